"""Live first, history second: a data adapter for strategies that run both live and in backtests."""
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Optional, Set, Tuple, Union

from .bars import COLUMNS, have_pandas, shape
from .errors import CandlewireError

if TYPE_CHECKING:
    from .client import Client

__all__ = ["LiveFirstAdapter"]

Fallback = Union[Callable[[str, int, str], Any], Any]


class LiveFirstAdapter:
    """``get_history(symbol, count, timeframe)`` answers from the sidecar's live cache when it holds
    at least ``count`` closed bars of that symbol (a key some client subscribed), else from
    ``fallback`` — a callable ``fallback(symbol, count, timeframe)`` or an object with a
    ``get_history`` method (backtest data, a CSV reader, another API).

    Either way the result has the same shape: a DataFrame indexed by open_time when pandas is
    importable (or ``as_frame=True``), else a list of dicts, with the get_price columns. The
    fallback may return either shape (rows need at least ``open_time`` and OHLC).

    Without a ``client`` the adapter tries ``Client.connect()`` (the shared sidecar) on first use
    and again at most every ``retry_connect_s`` seconds; with no sidecar it simply falls back.
    ``subscribe=True`` subscribes a key on its first miss so later calls are live.
    ``last_source`` is ``"live"`` or ``"fallback"`` after each call.
    """

    def __init__(
        self,
        fallback: Fallback,
        client: Optional["Client"] = None,
        exchange: str = "binance",
        market: str = "spot",
        source: Optional[str] = None,
        subscribe: bool = False,
        as_frame: Optional[bool] = None,
        retry_connect_s: float = 30.0,
    ) -> None:
        self.fallback = fallback
        self.client = client
        self.exchange = exchange
        self.market = market
        self.source = source
        self.subscribe = subscribe
        self.as_frame = have_pandas() if as_frame is None else as_frame
        self.retry_connect_s = retry_connect_s
        self.last_source: Optional[str] = None
        self.last_error: Optional[CandlewireError] = None
        self._owns_client = False
        self._next_connect = 0.0
        self._subscribed: Set[Tuple[str, str]] = set()
        self._lock = threading.Lock()

    def get_history(self, symbol: str, count: int, timeframe: str = "1m") -> Any:
        """The last ``count`` closed bars of ``symbol`` at ``timeframe`` (e.g. "1m", "15m", "1h")."""
        live = self._live(symbol, count, timeframe)
        if live is not None:
            self.last_source = "live"
            return live
        self.last_source = "fallback"
        return self._normalize(self._call_fallback(symbol, count, timeframe))

    def close(self) -> None:
        """Closes the client the adapter opened itself (not one that was passed in)."""
        if self._owns_client and self.client is not None:
            self.client.close()
            self.client = None

    def __enter__(self) -> "LiveFirstAdapter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- internals ---------------------------------------------------------------------------------

    def _live(self, symbol: str, count: int, timeframe: str) -> Any:
        client = self._client()
        if client is None:
            return None
        try:
            history = client.klines(symbol, timeframe, self.exchange, self.market, limit=count + 1, source=self.source)
            if not history.from_cache and self.subscribe and (symbol, timeframe) not in self._subscribed:
                with self._lock:
                    self._subscribed.add((symbol, timeframe))
                client.subscribe(symbol, timeframe, "kline", self.exchange, self.market, self.source)
                history = client.klines(symbol, timeframe, self.exchange, self.market, limit=count + 1, source=self.source)
        except CandlewireError as e:
            self.last_error = e
            return None
        closed = history.closed()
        if not history.from_cache or len(closed) < count:
            return None
        return shape(closed[-count:], self.as_frame)

    def _client(self) -> Optional["Client"]:
        if self.client is not None:
            return self.client
        with self._lock:
            if self.client is not None or time.monotonic() < self._next_connect:
                return self.client
            from .client import Client

            try:
                self.client = Client.connect()
                self._owns_client = True
            except CandlewireError as e:
                self.last_error = e
                self._next_connect = time.monotonic() + self.retry_connect_s
            return self.client

    def _call_fallback(self, symbol: str, count: int, timeframe: str) -> Any:
        getter = getattr(self.fallback, "get_history", None)
        if callable(getter):
            return getter(symbol, count, timeframe)
        if callable(self.fallback):
            return self.fallback(symbol, count, timeframe)
        raise TypeError("fallback must be callable(symbol, count, timeframe) or have get_history(), got %r" % (self.fallback,))

    def _normalize(self, result: Any) -> Any:
        if isinstance(result, list):
            rows = [dict(r) for r in result]
            return shape(rows, self.as_frame)
        if have_pandas():
            import pandas as pd

            if isinstance(result, pd.DataFrame):
                if not self.as_frame:
                    frame = result.reset_index() if result.index.name == "open_time" else result
                    return shape(frame.to_dict("records"), False)
                frame = result.set_index("open_time") if "open_time" in result.columns else result.copy()
                index = frame.index
                as_dt = pd.to_datetime(index, unit="ms", utc=True) if index.dtype.kind in "iuf" else pd.to_datetime(index, utc=True)
                frame.index = pd.DatetimeIndex(as_dt, name="open_time")
                frame = frame.reindex(columns=[c for c in COLUMNS if c != "open_time"])
                frame["closed"] = frame["closed"].fillna(True).astype(bool)
                return frame
        raise TypeError("the fallback returned %s; expected a list of dicts or a pandas DataFrame" % type(result).__name__)
