"""Spawn mode: a private sidecar over stdio running against its built-in fake exchanges (--demo)."""
import os
import threading
import unittest
from datetime import datetime, timedelta, timezone

from support import wait_for  # also puts python/ on sys.path

from candlewire import COLUMNS, Bar, Client, ClientStatus, ConnectionLost, SidecarNotFound
from candlewire.bars import have_pandas

client: Client


def setUpModule() -> None:
    global client
    client = Client.spawn(args=["--demo"], timeout=30)


def tearDownModule() -> None:
    client.close()


class SpawnBasics(unittest.TestCase):
    def test_initialize_reports_the_sidecar(self) -> None:
        self.assertEqual(client.mode, "spawn")
        self.assertIn("binance", client.exchanges_served)
        self.assertIsInstance(client.sidecar_pid, int)
        self.assertNotEqual(client.sidecar_pid, os.getpid())
        self.assertTrue(client.connected)

    def test_instruments_and_exchanges_use_snake_case(self) -> None:
        instruments = client.instruments()  # defaults: binance spot
        btc = next(i for i in instruments if i["symbol"] == "BTCUSDT")
        self.assertEqual(btc["unified"], "BTC/USDT")
        self.assertIn("tick_size", btc)
        self.assertEqual([i["symbol"] for i in client.instruments(query="eth")], ["ETHUSDT"])
        binance = next(e for e in client.exchanges() if e["id"] == "binance")
        self.assertIn("1m", binance["markets"][0]["intervals"])

    def test_status_is_snake_case(self) -> None:
        status = client.status()
        self.assertIn("uptime_ms", status)
        self.assertIsInstance(status["connections"], list)

    def test_klines_from_rest_then_cache(self) -> None:
        rest = client.klines("ETHUSDT", "1m", market="perp", limit=10)
        self.assertEqual(rest.origin, "rest")
        self.assertEqual(len(rest), 10)
        self.assertEqual(list(rest.rows[0].keys()), list(COLUMNS))
        self.assertEqual(rest.rows[0]["open_time"].tzinfo, timezone.utc)
        self.assertEqual(rest.rows[1]["open_time"] - rest.rows[0]["open_time"], timedelta(minutes=1))
        sub = client.subscribe("ETH/USDT:USDT", "1m", market="perp")
        try:
            self.assertEqual(sub.key, "binance:perp:ETHUSDT:kline:1m")
            cached = client.klines("ETHUSDT", "1m", market="perp", limit=10)
            self.assertTrue(cached.from_cache)
            # The same exchange history, whichever way it was read.
            self.assertEqual([r for r in cached.rows if r["closed"]][:5], [r for r in rest.rows if r["open_time"] >= cached.rows[0]["open_time"]][:5])
        finally:
            client.unsubscribe(sub)

    def test_klines_time_window(self) -> None:
        latest = client.klines("BTCUSDT", "1m", limit=30)
        start, end = latest.rows[5]["open_time"], latest.rows[14]["open_time"]
        window = client.klines("BTCUSDT", "1m", start=start, end=int(end.timestamp() * 1000))
        self.assertEqual([r["open_time"] for r in window], [r["open_time"] for r in latest.rows[5:15]])

    def test_get_price_rows_without_pandas(self) -> None:
        rows = client.get_price("BTCUSDT", count=20, frequency="1m", as_frame=False)
        self.assertIsInstance(rows, list)
        self.assertEqual(len(rows), 20)
        self.assertTrue(all(r["closed"] for r in rows))
        self.assertEqual(list(rows[0].keys()), list(COLUMNS))
        times = [r["open_time"] for r in rows]
        self.assertEqual(times, sorted(times))
        self.assertLess(times[-1], datetime.now(timezone.utc) - timedelta(seconds=0))
        with_forming = client.get_price("BTCUSDT", count=3, as_frame=False, include_forming=True)
        self.assertFalse(with_forming[-1]["closed"])
        self.assertEqual(with_forming[-2]["open_time"], times[-1])

    def test_get_price_default_shape_follows_pandas(self) -> None:
        result = client.get_price("BTCUSDT", count=5)
        if have_pandas():
            import pandas as pd

            self.assertIsInstance(result, pd.DataFrame)
        else:
            self.assertIsInstance(result, list)

    def test_ticker_after_subscribing_the_ticker_channel(self) -> None:
        sub = client.subscribe("BTCUSDT", channel="ticker", market="perp")
        try:
            t = wait_for("a perp ticker with mark price", lambda: _ticker_with_mark(client))
            self.assertIn("funding_rate", t)
            self.assertIsInstance(t["time"], int)
        finally:
            client.unsubscribe(sub.id)

    def test_many_threads_share_one_client(self) -> None:
        errors = []
        results = []

        def worker(n: int) -> None:
            try:
                for i in range(15):
                    if i % 3 == 0:
                        results.append(("ping", client.ping()["time"] > 0))
                    else:
                        rows = client.klines("BTCUSDT", "1m", limit=n + 1).rows
                        results.append(("klines", len(rows) == n + 1))
            except Exception as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(1, 9)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 8 * 15)
        self.assertTrue(all(ok for _, ok in results))


def _ticker_with_mark(c: Client):
    try:
        t = c.ticker("BTCUSDT", market="perp")
    except Exception:  # noqa: BLE001 - NotSubscribed until the first ticker arrives
        return None
    return t if "mark_price" in t and "last" in t else None


class Streams(unittest.TestCase):
    def test_stream_yields_forming_and_closed_bars(self) -> None:
        # Bars built from trades: many forming updates per bar, then the closed bar.
        with client.stream("BTCUSDT", "2s", source="trades", timeout=20) as stream:
            bars = []
            for bar in stream:
                bars.append(bar)
                if sum(b.closed for b in bars) >= 2 and any(not b.closed for b in bars) or len(bars) > 500:
                    break
        self.assertTrue(all(isinstance(b, Bar) for b in bars))
        closed = [b for b in bars if b.closed]
        self.assertGreaterEqual(len(closed), 2)
        self.assertTrue(any(not b.closed for b in bars))
        self.assertEqual(len({b.open_time for b in closed}), len(closed))  # no duplicate closed bar
        for i, b in enumerate(bars):  # a bar never forms again once closed
            if b.closed:
                self.assertFalse(any(not later.closed and later.open_time == b.open_time for later in bars[i + 1 :]))
        self.assertEqual((bars[0].symbol, bars[0].interval), ("BTCUSDT", "2s"))
        self.assertEqual(stream.key, "binance:spot:BTCUSDT:kline:2s:trades")
        # Closing the stream released its subscription.
        self.assertEqual([s for s in client.subscriptions() if s["key"] == stream.key], [])

    def test_closed_bars_of_a_native_interval_arrive_in_order(self) -> None:
        with client.stream("BTCUSDT", "1s", closed_only=True, timeout=20) as stream:
            bars = [next(stream) for _ in range(4)]
        self.assertTrue(all(b.closed for b in bars))
        self.assertEqual({(b.open_time - a.open_time) for a, b in zip(bars, bars[1:])}, {timedelta(seconds=1)})

    def test_closed_only_with_history_has_no_gap_and_no_overlap(self) -> None:
        with client.stream("ETHUSDT", "1s", closed_only=True, history=5, timeout=20) as stream:
            bars = [next(stream) for _ in range(8)]
        self.assertTrue(all(b.closed for b in bars))
        steps = {(b.open_time - a.open_time) for a, b in zip(bars, bars[1:])}
        self.assertEqual(steps, {timedelta(seconds=1)})

    def test_on_kline_callbacks_and_their_removal(self) -> None:
        seen = []
        got = threading.Event()

        def cb(bar: Bar) -> None:
            # A callback may call the client (it runs on the callback thread, not the reader).
            client.ping()
            seen.append(bar)
            if len(seen) >= 3:
                got.set()

        remove = client.on_kline(cb)
        sub = client.subscribe("BTCUSDT", "1s")
        try:
            self.assertTrue(got.wait(20), "3 kline callbacks")
        finally:
            remove()
            client.unsubscribe(sub)
        self.assertTrue(all(b.key == sub.key for b in seen))

    def test_two_streams_of_one_key_both_receive(self) -> None:
        a = client.stream("BTCUSDT", "1s", timeout=20)
        b = client.stream("BTCUSDT", "1s", timeout=20)
        try:
            self.assertIsNotNone(next(a))
            self.assertIsNotNone(next(b))
            a.close()
            self.assertIsNotNone(next(b))  # b's subscription is its own
        finally:
            a.close()
            b.close()


class Lifecycle(unittest.TestCase):
    def test_close_stops_the_private_sidecar_and_later_calls_fail(self) -> None:
        statuses = []
        c = Client.spawn(args=["--demo"])
        c.on_status(statuses.append)
        transport = c._conn.transport  # type: ignore[union-attr]
        pid = c.sidecar_pid
        with c:
            self.assertEqual(c.ping()["time"] > 0, True)
            stream = c.stream("BTCUSDT", "1s")
        self.assertEqual(transport.process.poll(), 0, "the sidecar exits cleanly")  # type: ignore[attr-defined]
        self.assertFalse(c.connected)
        with self.assertRaises(ConnectionLost):
            c.ping()
        self.assertIsInstance(list(stream), list)  # ended: iteration stops (after what was buffered)
        self.assertIn("closed", [s.state for s in statuses if isinstance(s, ClientStatus)])
        self.assertIsNotNone(pid)

    def test_sidecar_dying_fails_calls_with_connection_lost(self) -> None:
        c = Client.spawn(args=["--demo"])
        try:
            stream = c.stream("BTCUSDT", "1s", timeout=20)
            c._conn.transport.process.kill()  # type: ignore[union-attr]
            with self.assertRaises(ConnectionLost) as ctx:
                for _ in stream:
                    pass
            self.assertIn("exited", str(ctx.exception))
            with self.assertRaises(ConnectionLost):
                c.ping()
        finally:
            c.close()

    def test_a_sidecar_that_fails_to_start_says_why(self) -> None:
        with self.assertRaises(ConnectionLost) as ctx:
            Client.spawn(args=["--no-such-flag"])
        self.assertIn("unknown option --no-such-flag", str(ctx.exception))

    def test_missing_node_or_sidecar_is_sidecar_not_found(self) -> None:
        with self.assertRaises(SidecarNotFound) as ctx:
            Client.spawn(sidecar="/nonexistent/sidecar.js")
        self.assertIn("/nonexistent/sidecar.js", str(ctx.exception))
        with self.assertRaises(SidecarNotFound) as ctx2:
            Client.spawn(node="/nonexistent/node")
        self.assertIn("CANDLEWIRE_NODE", str(ctx2.exception))


if __name__ == "__main__":
    unittest.main()
