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
# Every error class, named once in errors.__all__.
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _error_names
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
] + list(_error_names)
