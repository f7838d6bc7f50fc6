"""JSON-RPC errors arrive as the matching exception class, carrying code, message and data."""
import os
import unittest

from support import FakeExchange, temp_dir

import candlewire.errors as E
from candlewire import Client


class Mapping(unittest.TestCase):
    def test_every_code_has_its_class(self) -> None:
        expected = {
            -32700: E.ParseError,
            -32600: E.InvalidRequest,
            -32601: E.MethodNotFound,
            -32602: E.InvalidParams,
            -32603: E.InternalError,
            -32001: E.ExchangeUnavailable,
            -32002: E.UnknownSymbol,
            -32003: E.Unsupported,
            -32004: E.SubscriptionNotFound,
            -32005: E.ExchangeRejected,
            -32006: E.UpstreamFailed,
            -32007: E.NotSubscribed,
            -32008: E.LimitExceeded,
            -32009: E.ShuttingDown,
        }
        for code, cls in expected.items():
            err = E.error_from_response({"code": code, "message": "m%d" % code, "data": {"x": 1}})
            self.assertIs(type(err), cls)
            self.assertEqual((err.code, err.message, err.data), (code, "m%d" % code, {"x": 1}))
            self.assertIsInstance(err, E.RpcError)
            self.assertIsInstance(err, E.CandlewireError)

    def test_unknown_codes_and_transport_errors(self) -> None:
        err = E.error_from_response({"code": -31999, "message": "new"})
        self.assertIs(type(err), E.RpcError)
        self.assertEqual(err.code, -31999)
        self.assertIs(type(E.error_from_response("junk")), E.RpcError)
        for cls in (E.ConnectionLost, E.SidecarNotFound, E.RequestTimeout):
            self.assertTrue(issubclass(cls, E.TransportError))
            self.assertFalse(issubclass(cls, E.RpcError))
            self.assertIsNone(cls("x").code)


class FromTheSidecar(unittest.TestCase):
    client: Client

    @classmethod
    def setUpClass(cls) -> None:
        config = os.path.join(temp_dir("cw-cfg-"), "limits.toml")
        with open(config, "w") as f:
            f.write("[rpc]\nmax_subscriptions_per_client = 2\n")
        cls.client = Client.spawn(args=["--demo", "--config", config])

    @classmethod
    def tearDownClass(cls) -> None:
        cls.client.close()

    def test_unknown_symbol(self) -> None:
        with self.assertRaises(E.UnknownSymbol) as ctx:
            self.client.subscribe("NOPEUSDT", channel="trades")
        self.assertEqual(ctx.exception.code, -32002)
        self.assertIn("NOPEUSDT", ctx.exception.message)

    def test_invalid_params_carry_issues(self) -> None:
        with self.assertRaises(E.InvalidParams) as ctx:
            self.client.call("subscribe", {"exchange": "binance", "market": "spot", "symbol": 42, "channel": "kline"})
        self.assertEqual(ctx.exception.data["issues"][0]["path"], "symbol")
        with self.assertRaises(E.InvalidParams):
            self.client.klines("BTCUSDT", "1m", market="futures")

    def test_unsupported_interval_lists_what_is_available(self) -> None:
        with self.assertRaises(E.Unsupported) as ctx:
            self.client.subscribe("BTCUSDT", "1s", market="perp")
        self.assertIn("1m", ctx.exception.data["available"])

    def test_unknown_exchange(self) -> None:
        with self.assertRaises(E.ExchangeUnavailable) as ctx:
            self.client.get_price("BTCUSDT", count=5, exchange="nowhere")
        self.assertIn("nowhere", str(ctx.exception))

    def test_unknown_method_and_subscription(self) -> None:
        with self.assertRaises(E.MethodNotFound):
            self.client.call("no.such.method")
        with self.assertRaises(E.SubscriptionNotFound):
            self.client.unsubscribe("not-a-subscription")

    def test_ticker_without_subscription(self) -> None:
        with self.assertRaises(E.NotSubscribed):
            self.client.ticker("ETHUSDT")

    def test_subscription_limit(self) -> None:
        subs = [self.client.subscribe("BTCUSDT", "1m"), self.client.subscribe("ETHUSDT", "1m")]
        try:
            with self.assertRaises(E.LimitExceeded) as ctx:
                self.client.subscribe("BTCUSDT", "5m")
            self.assertEqual(ctx.exception.data["limit"], "maxSubscriptionsPerClient")
        finally:
            for s in subs:
                self.client.unsubscribe(s)


class FromTheExchange(unittest.TestCase):
    """Errors that start at the exchange (the fake refuses or fails on request)."""

    def setUp(self) -> None:
        self.fake = FakeExchange(seed=41)
        self.client = Client.spawn(args=["--config", self.fake.config_file()])

    def tearDown(self) -> None:
        self.client.close()
        self.fake.close()

    def test_exchange_rejected(self) -> None:
        self.fake.request("reject", exchange="binance", market="spot", symbols=["ETHUSDT"])
        with self.assertRaises(E.ExchangeRejected) as ctx:
            self.client.subscribe("ETHUSDT", channel="trades")
        self.assertEqual(ctx.exception.code, -32005)

    def test_upstream_failed(self) -> None:
        self.fake.request("failRest", exchange="binance", market="perp", status=400, path="/klines")
        with self.assertRaises(E.UpstreamFailed) as ctx:
            self.client.klines("BTCUSDT", "1m", market="perp", limit=5)
        self.assertIn("400", ctx.exception.message)


if __name__ == "__main__":
    unittest.main()
