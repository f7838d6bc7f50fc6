"""LiveFirstAdapter: live cached bars when the sidecar has enough of them, else the fallback —
the same shape either way, with and without pandas."""
import os
import unittest
from datetime import datetime, timezone

from support import temp_dir

from candlewire import COLUMNS, Client, LiveFirstAdapter, SidecarNotFound
from candlewire.bars import have_pandas

client: Client


def setUpModule() -> None:
    global client
    client = Client.spawn(args=["--demo"])


def tearDownModule() -> None:
    client.close()


class Backtest:
    """A fallback source: synthetic bars, recording what it was asked."""

    def __init__(self) -> None:
        self.calls = []

    def get_history(self, symbol: str, count: int, timeframe: str):  # type: ignore[no-untyped-def]
        self.calls.append((symbol, count, timeframe))
        start = 1_700_000_000_000
        return [
            {"open_time": start + i * 60_000, "open": 1.0 + i, "high": 2.0 + i, "low": 0.5 + i, "close": 1.5 + i, "volume": 10.0}
            for i in range(count)
        ]


class RowsShape(unittest.TestCase):
    def setUp(self) -> None:
        self.backtest = Backtest()
        self.adapter = LiveFirstAdapter(self.backtest, client=client, as_frame=False)

    def test_live_when_the_key_is_subscribed(self) -> None:
        sub = client.subscribe("BTCUSDT", "1m")
        try:
            rows = self.adapter.get_history("BTCUSDT", 50, "1m")
            direct = client.get_price("BTCUSDT", 50, as_frame=False)
        finally:
            client.unsubscribe(sub)
        self.assertEqual(self.adapter.last_source, "live")
        self.assertEqual(self.backtest.calls, [])
        self.assertEqual(len(rows), 50)
        self.assertTrue(all(r["closed"] for r in rows))
        self.assertEqual(list(rows[0].keys()), list(COLUMNS))
        # The same bars as get_price (a minute may have closed between the two reads).
        self.assertIn((direct[0]["open_time"] - rows[0]["open_time"]).total_seconds(), (0.0, 60.0))

    def test_fallback_when_not_subscribed_or_not_enough_bars(self) -> None:
        rows = self.adapter.get_history("ETHUSDT", 20, "5m")
        self.assertEqual(self.adapter.last_source, "fallback")
        self.assertEqual(self.backtest.calls, [("ETHUSDT", 20, "5m")])
        self.assertEqual(list(rows[0].keys()), list(COLUMNS))
        self.assertEqual(rows[0]["open_time"], datetime.fromtimestamp(1_700_000_000, tz=timezone.utc))
        self.assertIsNone(rows[0]["trades"])
        self.assertTrue(rows[0]["closed"])
        sub = client.subscribe("ETHUSDT", "1m")
        try:
            self.adapter.get_history("ETHUSDT", 5000, "1m")  # more than the cache holds (1000)
            self.assertEqual(self.adapter.last_source, "fallback")
            self.adapter.get_history("ETHUSDT", 10, "1m")
            self.assertEqual(self.adapter.last_source, "live")
        finally:
            client.unsubscribe(sub)

    def test_fallback_on_sidecar_errors_and_a_plain_callable(self) -> None:
        calls = []
        adapter = LiveFirstAdapter(lambda s, n, tf: calls.append(s) or Backtest().get_history(s, n, tf), client=client, as_frame=False)
        rows = adapter.get_history("DOGEUSDT", 3, "1m")  # unknown to the sidecar
        self.assertEqual(calls, ["DOGEUSDT"])
        self.assertEqual(len(rows), 3)
        self.assertEqual(type(adapter.last_error).__name__, "UnknownSymbol")

    def test_subscribe_option_turns_the_next_calls_live(self) -> None:
        adapter = LiveFirstAdapter(self.backtest, client=client, as_frame=False, subscribe=True)
        try:
            rows = adapter.get_history("BTCUSDT", 30, "3m")
            self.assertEqual(adapter.last_source, "live")
            self.assertEqual(len(rows), 30)
            self.assertEqual(self.backtest.calls, [])
        finally:
            for s in client.subscriptions():
                if s["key"].endswith(":kline:3m"):
                    client.unsubscribe(s["subscription_id"])

    def test_without_any_sidecar_the_fallback_serves(self) -> None:
        old = os.environ.get("CANDLEWIRE_RUNTIME_DIR")
        os.environ["CANDLEWIRE_RUNTIME_DIR"] = temp_dir()
        try:
            adapter = LiveFirstAdapter(self.backtest, as_frame=False)
            rows = adapter.get_history("BTCUSDT", 4, "1h")
        finally:
            if old is None:
                del os.environ["CANDLEWIRE_RUNTIME_DIR"]
            else:
                os.environ["CANDLEWIRE_RUNTIME_DIR"] = old
        self.assertEqual(len(rows), 4)
        self.assertEqual(adapter.last_source, "fallback")
        self.assertIsInstance(adapter.last_error, SidecarNotFound)


@unittest.skipUnless(have_pandas(), "pandas is not importable here (run_tests.py --require-pandas makes this a failure)")
class FrameShape(unittest.TestCase):
    def test_live_and_fallback_frames_have_the_same_shape(self) -> None:
        import pandas as pd

        backtest = Backtest()
        adapter = LiveFirstAdapter(backtest, client=client)  # as_frame defaults to pandas present
        sub = client.subscribe("BTCUSDT", "1m")
        try:
            live = adapter.get_history("BTCUSDT", 40, "1m")
        finally:
            client.unsubscribe(sub)
        self.assertEqual(adapter.last_source, "live")
        fallback = adapter.get_history("ETHUSDT", 40, "15m")
        self.assertEqual(adapter.last_source, "fallback")
        for frame in (live, fallback):
            self.assertIsInstance(frame, pd.DataFrame)
            self.assertIsInstance(frame.index, pd.DatetimeIndex)
            self.assertEqual(frame.index.name, "open_time")
            self.assertEqual(str(frame.index.tz), "UTC")
            self.assertEqual(list(frame.columns), [c for c in COLUMNS if c != "open_time"])
            self.assertEqual(len(frame), 40)
        self.assertEqual(fallback.index[0], pd.Timestamp(1_700_000_000_000, unit="ms", tz="UTC"))

    def test_a_fallback_returning_a_frame_is_normalized(self) -> None:
        import pandas as pd

        def frame_source(symbol: str, count: int, timeframe: str) -> pd.DataFrame:
            rows = Backtest().get_history(symbol, count, timeframe)
            return pd.DataFrame(rows).set_index("open_time")

        adapter = LiveFirstAdapter(frame_source, client=client)
        frame = adapter.get_history("SOLUSDT", 6, "1m")
        self.assertEqual(frame.index.name, "open_time")
        self.assertEqual(str(frame.index.tz), "UTC")
        self.assertEqual(list(frame.columns), [c for c in COLUMNS if c != "open_time"])
        self.assertTrue(frame["closed"].all())
        rows_adapter = LiveFirstAdapter(frame_source, client=client, as_frame=False)
        rows = rows_adapter.get_history("SOLUSDT", 6, "1m")
        self.assertEqual(rows[0]["open_time"], datetime.fromtimestamp(1_700_000_000, tz=timezone.utc))


if __name__ == "__main__":
    unittest.main()
