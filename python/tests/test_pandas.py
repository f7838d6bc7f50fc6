"""get_price as a pandas DataFrame (when pandas is importable) and as rows: the same data."""
import unittest

import support  # noqa: F401 - puts python/ on sys.path

from candlewire import COLUMNS, Client
from candlewire.bars import have_pandas

client: Client


def setUpModule() -> None:
    global client
    client = Client.spawn(args=["--demo"])


def tearDownModule() -> None:
    client.close()


@unittest.skipUnless(have_pandas(), "pandas is not importable here (run_tests.py --require-pandas makes this a failure)")
class WithPandas(unittest.TestCase):
    def test_get_price_returns_a_utc_indexed_frame_equal_to_the_rows(self) -> None:
        import pandas as pd

        sub = client.subscribe("BTCUSDT", "1m")  # a cached key: both reads see the same bars
        try:
            frame = client.get_price("BTCUSDT", count=30, frequency="1m")
            rows = client.get_price("BTCUSDT", count=30, frequency="1m", as_frame=False)
        finally:
            client.unsubscribe(sub)
        self.assertIsInstance(frame, pd.DataFrame)
        self.assertEqual(len(frame), 30)
        self.assertIsInstance(frame.index, pd.DatetimeIndex)
        self.assertEqual(frame.index.name, "open_time")
        self.assertEqual(str(frame.index.tz), "UTC")
        self.assertTrue(frame.index.is_monotonic_increasing)
        self.assertEqual(list(frame.columns), [c for c in COLUMNS if c != "open_time"])
        self.assertEqual(str(frame["trades"].dtype), "int64")
        self.assertEqual(str(frame["close"].dtype), "float64")
        self.assertEqual(str(frame["closed"].dtype), "bool")
        self.assertEqual([t.to_pydatetime() for t in frame.index], [r["open_time"] for r in rows])
        self.assertEqual(list(frame["close"]), [r["close"] for r in rows])
        self.assertEqual([t.to_pydatetime() for t in frame["close_time"]], [r["close_time"] for r in rows])
        # A frame slices like any pandas time series.
        self.assertEqual(len(frame.loc[frame.index[10] :]), 20)

    def test_frequency_aliases_and_perp(self) -> None:
        frame = client.get_price("ETH/USDT:USDT", count=12, frequency="hour", market="perp")
        self.assertEqual(len(frame), 12)
        self.assertEqual(set((frame.index[1:] - frame.index[:-1]).total_seconds()), {3600.0})

    def test_klines_history_frame(self) -> None:
        history = client.klines("BTCUSDT", "5m", limit=10)
        frame = history.frame()
        self.assertEqual(len(frame), 10)
        self.assertEqual(frame.index.name, "open_time")


class WithoutPandas(unittest.TestCase):
    def test_rows_path(self) -> None:
        rows = client.get_price("BTCUSDT", count=12, frequency="hour", as_frame=False)
        self.assertIsInstance(rows, list)
        self.assertEqual(len(rows), 12)
        self.assertEqual(list(rows[0]), list(COLUMNS))
        self.assertEqual({(b["open_time"] - a["open_time"]).total_seconds() for a, b in zip(rows, rows[1:])}, {3600.0})

    @unittest.skipIf(have_pandas(), "pandas is importable: the default is a DataFrame here")
    def test_default_is_rows_when_pandas_is_missing(self) -> None:
        self.assertIsInstance(client.get_price("BTCUSDT", count=3), list)


if __name__ == "__main__":
    unittest.main()
