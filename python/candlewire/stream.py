"""Kline streams: a thread-safe buffer of bars per consumer and the iterator strategies loop over."""
import collections
import threading
import time
from typing import TYPE_CHECKING, Callable, Deque, Iterator, List, Optional

from .bars import Bar
from .errors import CandlewireError, RequestTimeout

if TYPE_CHECKING:
    from .client import Subscription

__all__ = ["KlineStream"]


class _Ended(Exception):
    pass


class _BarBuffer:
    """Bars waiting for a consumer. Forming updates of the same bar coalesce, so a slow consumer
    sees the newest forming state and every closed bar; past ``maxlen`` the oldest bars are dropped
    (counted in ``dropped``) so memory stays bounded."""

    def __init__(self, maxlen: int, closed_only: bool) -> None:
        self._items: Deque[Bar] = collections.deque()
        self._cond = threading.Condition()
        self._maxlen = maxlen
        self._closed_only = closed_only
        self._floor_ms: Optional[int] = None
        self._end: Optional[BaseException] = None
        self._ended = False
        self.dropped = 0

    def push(self, bar: Bar) -> None:
        if self._closed_only and not bar.closed:
            return
        with self._cond:
            if self._ended or (self._floor_ms is not None and bar.open_time_ms <= self._floor_ms):
                return
            last = self._items[-1] if self._items else None
            if last is not None and not bar.closed and not last.closed and last.open_time == bar.open_time:
                self._items[-1] = bar
            else:
                self._items.append(bar)
                if len(self._items) > self._maxlen:
                    self._items.popleft()
                    self.dropped += 1
            self._cond.notify_all()

    def prepend_history(self, bars: List[Bar]) -> None:
        """Puts closed history bars before anything buffered; later bars at or before them are skipped."""
        if not bars:
            return
        floor = bars[-1].open_time_ms
        with self._cond:
            newer = [b for b in self._items if b.open_time_ms > floor]
            self._items = collections.deque(list(bars) + newer)
            self._floor_ms = floor
            self._cond.notify_all()

    def end(self, error: Optional[BaseException] = None) -> None:
        with self._cond:
            if self._ended:
                return
            self._ended = True
            self._end = error
            self._cond.notify_all()

    def pop(self, timeout: Optional[float]) -> Optional[Bar]:
        """The next bar; None after ``timeout`` seconds; raises _Ended (or the error) once ended and empty."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._items:
                if self._ended:
                    if self._end is not None:
                        raise self._end
                    raise _Ended()
                if deadline is None:
                    self._cond.wait()
                else:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    self._cond.wait(left)
            return self._items.popleft()


class KlineStream:
    """An iterator of bars of one kline subscription: forming updates and closed bars, in order.

    Iterating blocks until the next bar; with ``timeout`` set, a silence that long raises
    RequestTimeout. ``close()`` (or leaving a ``with`` block) ends the iteration and releases the
    subscription the stream opened. A subscription the exchange refuses ends it with that error.
    """

    def __init__(
        self,
        subscription: "Subscription",
        closed_only: bool,
        timeout: Optional[float],
        on_close: Callable[["KlineStream"], None],
        maxlen: int = 100_000,
    ) -> None:
        self.subscription = subscription
        self.closed_only = closed_only
        self.timeout = timeout
        self._buffer = _BarBuffer(maxlen, closed_only)
        self._on_close = on_close
        self._closed = False

    @property
    def key(self) -> str:
        return self.subscription.key

    @property
    def dropped(self) -> int:
        """Bars dropped because the consumer fell more than ``maxlen`` bars behind."""
        return self._buffer.dropped

    def get(self, timeout: Optional[float] = None) -> Optional[Bar]:
        """The next bar, or None when none arrives within ``timeout`` seconds (None = wait forever).
        Raises StopIteration once the stream is closed, or the error that ended it."""
        try:
            return self._buffer.pop(timeout)
        except _Ended:
            raise StopIteration from None

    def __iter__(self) -> Iterator[Bar]:
        return self

    def __next__(self) -> Bar:
        bar = self.get(self.timeout)
        if bar is None:
            raise RequestTimeout("no bar on %s within %.1f s" % (self.key, self.timeout or 0))
        return bar

    def close(self) -> None:
        """Ends the iteration and releases the subscription this stream opened."""
        if self._closed:
            return
        self._closed = True
        self._buffer.end()
        self._on_close(self)

    def __enter__(self) -> "KlineStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- used by the client ----------------------------------------------------------------------

    def _push(self, bar: Bar) -> None:
        self._buffer.push(bar)

    def _prepend_history(self, bars: List[Bar]) -> None:
        self._buffer.prepend_history(bars)

    def _end(self, error: Optional[CandlewireError] = None) -> None:
        self._closed = True
        self._buffer.end(error)
