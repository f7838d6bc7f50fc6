"""The shared sidecar restarts: a connected client reconnects with backoff, restores its
subscriptions (same ids for the caller), and its streams go on without a missing or repeated bar."""
import threading
import time
import unittest
from datetime import timedelta

from support import FakeExchange, SharedSidecar, needs_socket, temp_dir, wait_for

from candlewire import Client, ClientStatus

BTC_1S = "btcusdt@kline_1s"


@needs_socket
class Restart(unittest.TestCase):
    def setUp(self) -> None:
        self.fake = FakeExchange(seed=31)
        self.config = self.fake.config_file()
        self.runtime = temp_dir()
        self.sidecars = [SharedSidecar(self.config, self.runtime)]

    def tearDown(self) -> None:
        for s in self.sidecars:
            s.stop()
        self.fake.close()

    def restart(self, kill: bool) -> SharedSidecar:
        self.sidecars[-1].stop(kill=kill)
        # Down for a few bars, so the client has closed bars to catch up on.
        time.sleep(2.5)
        self.sidecars.append(SharedSidecar(self.config, self.runtime))
        return self.sidecars[-1]

    def test_client_recovers_and_resubscribes(self) -> None:
        statuses = []
        with Client.connect(runtime_dir=self.runtime, reconnect_max_delay=0.5, timeout=20) as client:
            client.on_status(statuses.append)
            stream = client.stream("BTCUSDT", "1s", closed_only=True, timeout=30)
            sub_id = stream.subscription.id
            bars = [next(stream), next(stream)]
            first_pid = client.sidecar_pid

            # 1. Abrupt death (SIGKILL): the stale connection file and socket stay behind.
            outage_call = {}
            second = self.restart(kill=True)
            t = threading.Thread(target=lambda: outage_call.setdefault("ping", client.ping()))
            t.start()  # a call made during the outage waits for the reconnect instead of failing
            wait_for("reconnected", lambda: any(s.state == "reconnected" for s in statuses))
            t.join(20)
            self.assertIn("ping", outage_call)
            self.assertEqual(client.sidecar_pid, second.pid)
            self.assertNotEqual(first_pid, second.pid)
            wait_for("the upstream resubscribed", lambda: self.fake.topics().get(BTC_1S) == 1)
            self.assertEqual([s["key"] for s in client.subscriptions()], [stream.key])
            restart_time = bars[-1].open_time
            while bars[-1].open_time < restart_time + timedelta(seconds=4) or len(bars) < 6:
                bars.append(next(stream))

            # 2. A clean stop (SIGTERM): the connection file is removed, a new one appears later.
            third = self.restart(kill=False)
            wait_for("reconnected twice", lambda: sum(s.state == "reconnected" for s in statuses) >= 2)
            self.assertEqual(client.sidecar_pid, third.pid)
            later = bars[-1].open_time
            # A bar that closes while the new sidecar subscribes reaches its exchange stream neither
            # forming nor closed; the sidecar heals it from REST close_grace_ms (2.5 s here) after
            # its close, so it may come after newer bars: read on until the run has no hole, for
            # at most ten bars past the restart.
            while _newest(bars) < later + timedelta(seconds=3) or (_holes(bars) and _newest(bars) < later + timedelta(seconds=10)):
                bars.append(next(stream))

            # No missing and no repeated closed bar across both restarts.
            opens = [b.open_time for b in bars]
            self.assertEqual(len(set(opens)), len(opens), "no closed bar delivered twice")
            ordered = sorted(opens)
            self.assertEqual({b - a for a, b in zip(ordered, ordered[1:])}, {timedelta(seconds=1)}, "no missing bar")
            truth = self.fake.request("groundTruth", symbol="BTCUSDT", interval="1s", **{"from": _ms(ordered[0]), "to": _ms(ordered[-1])})["klines"]
            by_open = {b.open_time_ms: b for b in bars}
            self.assertEqual([(k["openTime"], k["close"], k["volume"]) for k in truth], [(o, by_open[o].close, by_open[o].volume) for o in sorted(by_open)])

            states = [s.state for s in statuses if isinstance(s, ClientStatus)]
            self.assertIn("disconnected", states)
            self.assertIn("reconnecting", states)
            # The caller's subscription id survived both restarts.
            client.unsubscribe(sub_id)
            wait_for("the upstream released", lambda: BTC_1S not in self.fake.topics())
            stream.close()

    def test_a_bar_the_dead_sidecar_was_still_healing_is_caught_up(self) -> None:
        with Client.connect(runtime_dir=self.runtime, reconnect_max_delay=0.5, timeout=20) as client:
            stream = client.stream("BTCUSDT", "1s", closed_only=True, timeout=30)
            bars = [next(stream), next(stream)]
            # REST fails, then the exchange connection is lost for two seconds: the bars that close
            # meanwhile can only come from REST, so the sidecar keeps retrying to heal them while
            # newer bars stream live again. The client now holds a hole behind its newest bar.
            self.fake.request("failRest", status=500, path="/klines", count=10_000)
            self.fake.request("refuse", on=True)
            self.fake.request("dropAll")
            time.sleep(2.2)
            self.fake.request("refuse", on=False)
            outage_end = _newest(bars)
            while _newest(bars) < outage_end + timedelta(seconds=4):
                bars.append(next(stream))
            self.assertTrue(_holes(bars), "the bars closed during the outage are still being healed")

            # The sidecar dies before it could heal them; REST answers again for its successor.
            self.sidecars[-1].stop(kill=True)
            self.fake.request("restOk")
            self.sidecars.append(SharedSidecar(self.config, self.runtime))
            later = _newest(bars)
            while _newest(bars) < later + timedelta(seconds=3) or (_holes(bars) and _newest(bars) < later + timedelta(seconds=10)):
                bars.append(next(stream))

            opens = sorted(b.open_time for b in bars)
            self.assertEqual(len(set(opens)), len(opens), "no closed bar delivered twice")
            self.assertFalse(_holes(bars), "no missing bar: the catch-up started at the hole, not after the newest bar")
            self.assertTrue(any(b.healed and b.open_time < later for b in bars))
            truth = self.fake.request("groundTruth", symbol="BTCUSDT", interval="1s", **{"from": _ms(opens[0]), "to": _ms(opens[-1])})["klines"]
            by_open = {b.open_time_ms: b for b in bars}
            self.assertEqual([(k["openTime"], k["close"], k["volume"]) for k in truth], [(o, by_open[o].close, by_open[o].volume) for o in sorted(by_open)])
            stream.close()


def _newest(bars):  # type: ignore[no-untyped-def]
    return max(b.open_time for b in bars)


def _holes(bars) -> bool:  # type: ignore[no-untyped-def]
    opens = sorted(b.open_time for b in bars)
    return any(b - a != timedelta(seconds=1) for a, b in zip(opens, opens[1:]))


def _ms(dt) -> int:  # type: ignore[no-untyped-def]
    return int(dt.timestamp() * 1000)


if __name__ == "__main__":
    unittest.main()
