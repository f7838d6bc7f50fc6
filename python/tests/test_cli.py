"""`python -m candlewire watch|status` and examples/strategy.py, run as a user would."""
import os
import subprocess
import sys
import unittest

from support import PYTHON_DIR, REPO


def run(args, timeout: float = 60) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)


class Cli(unittest.TestCase):
    def test_watch_prints_closed_candles_like_the_sidecar_watch(self) -> None:
        r = run(["-m", "candlewire", "watch", "--demo", "--plain", "binance:spot:BTC/USDT:1s", "--count", "2", "--timeout", "40"])
        self.assertEqual(r.returncode, 0, r.stderr)
        closed = [line for line in r.stdout.splitlines() if line.endswith("closed") and "binance:spot:BTC/USDT:1s" in line]
        self.assertGreaterEqual(len(closed), 2, r.stdout)
        self.assertRegex(closed[0], r"^\d\d:\d\d:\d\dZ binance:spot:BTC/USDT:1s  O [\d.]+  H [\d.]+  L [\d.]+  C [\d.]+  V [\d.]+  n \d+  closed$")

    def test_watch_rejects_a_bad_spec(self) -> None:
        r = run(["-m", "candlewire", "watch", "--demo", "binance:futures:BTCUSDT:1m"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("market must be spot or perp", r.stderr)

    def test_status(self) -> None:
        r = run(["-m", "candlewire", "status", "--demo"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"candlewire sidecar \d+\.\d+\.\d+ \(pid \d+\)")
        self.assertIn("subscriptions: 0", r.stdout)

    def test_status_without_a_shared_sidecar_says_how_to_start_one(self) -> None:
        r = run(["-m", "candlewire", "status", "--runtime-dir", "/nonexistent/cw"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("--socket", r.stderr)


class Example(unittest.TestCase):
    def test_strategy_runs_against_the_demo_and_exits_by_itself(self) -> None:
        r = run([os.path.join(REPO, "examples", "strategy.py"), "--demo", "--interval", "1s", "--bars", "4", "--timeout", "60"], timeout=90)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("history: 20 closed 1s bars of BTCUSDT", r.stdout)
        self.assertRegex(r.stdout, r"done: 4 live bars, \d+ trades")


if __name__ == "__main__":
    unittest.main()
