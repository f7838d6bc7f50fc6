"""Klines as Python values: ``Bar`` for streams, rows (list of dicts) or a pandas DataFrame for history.

Rows and DataFrames have the same columns; the DataFrame is indexed by ``open_time``
(a UTC DatetimeIndex), the rows carry ``open_time`` as their first key.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Sequence

__all__ = ["Bar", "COLUMNS", "ms_to_datetime", "datetime_to_ms", "rows_from_klines", "to_frame", "have_pandas", "shape"]

#: Columns of get_price rows and DataFrames (``open_time`` is the DataFrame index).
COLUMNS = ("open_time", "open", "high", "low", "close", "volume", "quote_volume", "trades", "close_time", "closed")


def ms_to_datetime(ms: int) -> datetime:
    """Epoch milliseconds → timezone-aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)


def datetime_to_ms(value: Any) -> int:
    """A datetime (naive = UTC), pandas Timestamp, or epoch milliseconds → epoch milliseconds."""
    if isinstance(value, bool):
        raise TypeError("expected a datetime or epoch milliseconds, got %r" % (value,))
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(round(value.timestamp() * 1000))
    to_pydatetime = getattr(value, "to_pydatetime", None)
    if to_pydatetime is not None:
        return datetime_to_ms(to_pydatetime())
    raise TypeError("expected a datetime or epoch milliseconds, got %r" % (value,))


@dataclass(frozen=True)
class Bar:
    """One kline update from a stream: the forming bar (``closed=False``) or a closed bar."""

    exchange: str
    market: str
    symbol: str
    interval: str
    key: str
    open_time: datetime
    close_time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float
    quote_volume: float
    trades: Optional[int]
    closed: bool
    seq: Optional[int] = None
    #: True for a closed bar the client fetched itself after a reconnect (the live update was missed).
    healed: bool = False

    @property
    def open_time_ms(self) -> int:
        return datetime_to_ms(self.open_time)

    def as_row(self) -> Dict[str, Any]:
        """The same columns as a get_price row."""
        return {c: getattr(self, c) for c in COLUMNS}


def bar_from_kline(k: Dict[str, Any], spec: Dict[str, str], key: str, seq: Optional[int] = None, healed: bool = False) -> Bar:
    """Builds a Bar from a sidecar kline and the subscription it belongs to."""
    return Bar(
        exchange=spec["exchange"],
        market=spec["market"],
        symbol=spec["symbol"],
        interval=spec["interval"],
        key=key,
        open_time=ms_to_datetime(k["openTime"]),
        close_time=ms_to_datetime(k["closeTime"]),
        open=k["open"],
        high=k["high"],
        low=k["low"],
        close=k["close"],
        volume=k["volume"],
        quote_volume=k["quoteVolume"],
        trades=k.get("trades"),
        closed=bool(k["closed"]),
        seq=seq,
        healed=healed,
    )


def rows_from_klines(klines: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Sidecar klines → rows with the get_price columns."""
    return [
        {
            "open_time": ms_to_datetime(k["openTime"]),
            "open": k["open"],
            "high": k["high"],
            "low": k["low"],
            "close": k["close"],
            "volume": k["volume"],
            "quote_volume": k["quoteVolume"],
            "trades": k.get("trades"),
            "close_time": ms_to_datetime(k["closeTime"]),
            "closed": bool(k["closed"]),
        }
        for k in klines
    ]


def have_pandas() -> bool:
    """True when pandas can be imported (then get_price returns DataFrames)."""
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def to_frame(rows: Sequence[Dict[str, Any]]) -> Any:
    """Rows → DataFrame indexed by open_time (UTC). Missing columns become empty (NA) values."""
    import pandas as pd

    normalized = [_normalize_row(r) for r in rows]
    data = {c: [r.get(c) for r in normalized] for c in COLUMNS if c != "open_time"}
    index = pd.DatetimeIndex(pd.to_datetime([datetime_to_ms(r["open_time"]) for r in normalized], unit="ms", utc=True), name="open_time")
    frame = pd.DataFrame(data, index=index, columns=[c for c in COLUMNS if c != "open_time"])
    frame["close_time"] = pd.to_datetime([datetime_to_ms(v) if v is not None else None for v in data["close_time"]], unit="ms", utc=True)
    if len(frame) and frame["trades"].notna().all():
        frame["trades"] = frame["trades"].astype("int64")
    frame["closed"] = frame["closed"].astype(bool)
    return frame


def _normalize_row(row: Dict[str, Any]) -> Dict[str, Any]:
    if "open_time" not in row:
        raise ValueError("a history row needs an open_time (datetime or epoch ms), got keys %s" % sorted(row))
    out = dict(row)
    out.setdefault("closed", True)
    return out


def shape(rows: Sequence[Dict[str, Any]], as_frame: Optional[bool] = None) -> Any:
    """Rows → a DataFrame when pandas is importable (or as_frame=True), else the rows themselves."""
    if as_frame is None:
        as_frame = have_pandas()
    if as_frame:
        return to_frame(rows)
    return [_normalize_rows_datetime(_normalize_row(r)) for r in rows]


def _normalize_rows_datetime(row: Dict[str, Any]) -> Dict[str, Any]:
    out = {c: row.get(c) for c in COLUMNS}
    for c in ("open_time", "close_time"):
        if out[c] is not None and not isinstance(out[c], datetime):
            out[c] = ms_to_datetime(datetime_to_ms(out[c]))
        elif isinstance(out[c], datetime) and out[c].tzinfo is None:
            out[c] = out[c].replace(tzinfo=timezone.utc)
    return out
