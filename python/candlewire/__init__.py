"""Candlewire for Python: live crypto-exchange klines from the Candlewire sidecar.

    from candlewire import Client

    with Client.spawn(args=["--demo"]) as client:          # or Client.connect() for the shared sidecar
        df = client.get_price("BTCUSDT", count=50, frequency="1m")
        for bar in client.stream("BTCUSDT", "1m", closed_only=True):
            ...

Standard library only; get_price returns pandas DataFrames when pandas is importable.
"""
from ._version import __version__
from .adapter import LiveFirstAdapter
from .bars import COLUMNS, Bar
from .client import Client, ClientStatus, KlineHistory, Subscription
from .discovery import ConnectionInfo, read_connection_file, runtime_dir
from .errors import (
    CandlewireError,
    ConnectionLost,
    ExchangeRejected,
    ExchangeUnavailable,
    InternalError,
    InvalidParams,
    InvalidRequest,
    LimitExceeded,
    MethodNotFound,
    NotSubscribed,
    ParseError,
    RequestTimeout,
    RpcError,
    ShuttingDown,
    SidecarNotFound,
    SubscriptionNotFound,
    TransportError,
    UnknownSymbol,
    Unsupported,
    UpstreamFailed,
)
from .stream import KlineStream

__all__ = [
    "__version__",
    "Client",
    "ClientStatus",
    "Subscription",
    "KlineHistory",
    "KlineStream",
    "Bar",
    "COLUMNS",
    "LiveFirstAdapter",
    "ConnectionInfo",
    "read_connection_file",
    "runtime_dir",
    "CandlewireError",
    "RpcError",
    "ParseError",
    "InvalidRequest",
    "MethodNotFound",
    "InvalidParams",
    "InternalError",
    "ExchangeUnavailable",
    "UnknownSymbol",
    "Unsupported",
    "SubscriptionNotFound",
    "ExchangeRejected",
    "UpstreamFailed",
    "NotSubscribed",
    "LimitExceeded",
    "ShuttingDown",
    "TransportError",
    "ConnectionLost",
    "SidecarNotFound",
    "RequestTimeout",
]
