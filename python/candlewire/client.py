"""The Candlewire client: one connection to a sidecar (a private child, or the shared one), shared
safely by any number of threads, with subscriptions that survive a restart of the shared sidecar.
"""
import collections
import queue
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ._version import __version__
from .bars import Bar, bar_from_kline, datetime_to_ms, rows_from_klines, shape
from .discovery import find_node, find_sidecar, read_connection_file, runtime_dir
from .errors import CandlewireError, ConnectionLost, ExchangeRejected, SidecarNotFound, SubscriptionNotFound
from .rpc import RpcConnection
from .stream import KlineStream
from .transport import StdioTransport, Transport, open_connection_info, spawn_argv

__all__ = ["Client", "Subscription", "ClientStatus", "KlineHistory"]

DEFAULT_EXCHANGE = "binance"
DEFAULT_MARKET = "spot"

_FREQUENCY_ALIASES = {"minute": "1m", "min": "1m", "hour": "1h", "daily": "1d", "day": "1d", "week": "1w"}


@dataclass
class Subscription:
    """One of this client's subscriptions. ``id`` stays the same across reconnects (the sidecar's id
    may change; the client maps it)."""

    id: str
    key: str
    exchange: str
    market: str
    symbol: str
    channel: str
    interval: Optional[str]
    source: Optional[str]
    state: str
    server_id: str = field(repr=False, default="")

    def params(self) -> Dict[str, Any]:
        """The subscribe params that (re)create it."""
        p: Dict[str, Any] = {"exchange": self.exchange, "market": self.market, "symbol": self.symbol, "channel": self.channel}
        if self.interval is not None:
            p["interval"] = self.interval
        if self.source is not None:
            p["klineSource"] = self.source
        return p


@dataclass(frozen=True)
class ClientStatus:
    """A change in the client's link to the sidecar, for ``on_status`` callbacks.

    ``state``: disconnected, reconnecting (``attempt``, ``delay``), reconnected
    (subscriptions restored), subscription_lost (one could not be restored; ``subscription``),
    closed.
    """

    state: str
    message: str = ""
    attempt: Optional[int] = None
    delay: Optional[float] = None
    pid: Optional[int] = None
    subscription: Optional[Subscription] = None


@dataclass
class KlineHistory:
    """Result of ``klines()``: rows with the get_price columns, and where they came from."""

    key: str
    origin: str  # "cache" (a subscribed key: live data) or "rest" (fetched from the exchange)
    rows: List[Dict[str, Any]]
    klines: List[Dict[str, Any]] = field(repr=False, default_factory=list)

    @property
    def from_cache(self) -> bool:
        return self.origin == "cache"

    def closed(self) -> List[Dict[str, Any]]:
        return [r for r in self.rows if r["closed"]]

    def frame(self) -> Any:
        """The rows as a pandas DataFrame indexed by open_time (needs pandas)."""
        return shape(self.rows, as_frame=True)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)


class _KeyState:
    """Per stream key: what a bar belongs to and which closed bars were already delivered."""

    def __init__(self, spec: Dict[str, str]) -> None:
        self.spec = spec
        # Open time → (the bar's values, its close time): replays are told by the values, holes by
        # the close time (the next bar opens right after it).
        self.delivered: "collections.OrderedDict[int, Tuple[Tuple[float, float, float, float, float], Optional[int]]]" = collections.OrderedDict()
        self.last_closed_ms: Optional[int] = None

    def first_delivery(self, k: Dict[str, Any]) -> bool:
        """False for a closed bar already delivered with the same values (a reconnect replay)."""
        open_ms = k["openTime"]
        sig = (k["open"], k["high"], k["low"], k["close"], k["volume"])
        held = self.delivered.get(open_ms)
        if held is not None and held[0] == sig:
            return False
        close = k.get("closeTime")
        self.delivered[open_ms] = (sig, close if isinstance(close, int) else None)
        self.delivered.move_to_end(open_ms)
        while len(self.delivered) > 4096:
            self.delivered.popitem(last=False)
        if self.last_closed_ms is None or open_ms > self.last_closed_ms:
            self.last_closed_ms = open_ms
        return True

    def resume_after(self) -> Optional[int]:
        """
        The open time after which a catch-up must start: the newest delivered bar, or the bar
        before the first hole among the delivered ones. A bar the sidecar was still healing when it
        went away (it heals a missed close some seconds later) is then asked for again, not lost
        behind newer bars that did arrive.
        """
        opens = sorted(self.delivered)
        for open_ms in opens[:-1]:
            close = self.delivered[open_ms][1]
            if close is not None and close + 1 not in self.delivered:
                return open_ms
        return self.last_closed_ms


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def snake_keys(value: Any) -> Any:
    """Recursively renames camelCase dict keys to snake_case (sidecar JSON → Python)."""
    if isinstance(value, dict):
        return {_snake(k): snake_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    return value


class _Dispatcher:
    """Runs user callbacks on one thread of their own, so a callback may call the client
    (it would deadlock on the reader thread) and a slow one never delays the protocol."""

    def __init__(self) -> None:
        self._queue: "queue.Queue[Optional[Tuple[Callable[..., None], tuple]]]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., None], *args: Any) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="candlewire-callbacks", daemon=True)
                self._thread.start()
        self._queue.put((fn, args))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, args = item
            try:
                fn(*args)
            except Exception:  # noqa: BLE001 - one failing callback must not stop the others
                import traceback

                traceback.print_exc()

    def stop(self) -> None:
        with self._lock:
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            if thread is not threading.current_thread():
                thread.join(timeout=5)


class Client:
    """A connection to a Candlewire sidecar. Create it with ``Client.connect()`` (the shared sidecar)
    or ``Client.spawn()`` (a private one); use it as a context manager or call ``close()``.

    Every method may be called from several threads at once.
    """

    def __init__(
        self,
        opener: Callable[[], Transport],
        mode: str,
        timeout: float = 30.0,
        reconnect: bool = False,
        name: Optional[str] = None,
        reconnect_max_delay: float = 5.0,
    ) -> None:
        self.mode = mode
        self.timeout = timeout
        self.name = name or "python"
        self.reconnect_enabled = reconnect
        self.reconnect_max_delay = reconnect_max_delay
        self.sidecar_pid: Optional[int] = None
        self.sidecar_version: Optional[str] = None
        self.exchanges_served: List[str] = []
        self._opener = opener
        self._lock = threading.RLock()
        self._ready = threading.Event()
        self._closing = False
        self._dead: Optional[str] = None
        self._conn: Optional[RpcConnection] = None
        self._subs: Dict[str, Subscription] = {}
        self._keys: Dict[str, _KeyState] = {}
        self._streams: Dict[str, List[KlineStream]] = {}
        self._kline_callbacks: List[Tuple[Optional[str], Callable[[Bar], None]]] = []
        self._status_callbacks: List[Callable[[ClientStatus], None]] = []
        self._notification_callbacks: Dict[str, List[Callable[[Any], None]]] = {}
        self._dispatcher = _Dispatcher()
        self._reconnect_thread: Optional[threading.Thread] = None
        self._conn = self._open_connection(self._opener())
        self._ready.set()

    # ---- construction ------------------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        or_spawn: bool = False,
        timeout: float = 30.0,
        *,
        runtime_dir: Optional[str] = None,
        reconnect: bool = True,
        reconnect_max_delay: float = 5.0,
        spawn_args: Sequence[str] = (),
        name: Optional[str] = None,
    ) -> "Client":
        """Attaches to the shared sidecar named by the connection file (the one VS Code or
        ``candlewire --socket`` runs). With ``or_spawn=True``, starts a private sidecar when none runs.
        If the shared sidecar restarts, the client reconnects and restores its subscriptions."""
        directory = runtime_dir

        def opener() -> Transport:
            info = read_connection_file(directory)
            if info is None:
                raise SidecarNotFound(_no_sidecar_message(directory))
            return open_connection_info(info, timeout=min(timeout, 10.0))

        try:
            return cls(opener, "connect", timeout=timeout, reconnect=reconnect, name=name, reconnect_max_delay=reconnect_max_delay)
        except SidecarNotFound:
            if not or_spawn:
                raise
        return cls.spawn(args=spawn_args, timeout=timeout, name=name)

    @classmethod
    def spawn(
        cls,
        node: Optional[str] = None,
        sidecar: Optional[str] = None,
        args: Sequence[str] = (),
        *,
        timeout: float = 30.0,
        env: Optional[Dict[str, str]] = None,
        log_stderr: bool = False,
        name: Optional[str] = None,
    ) -> "Client":
        """Starts a private sidecar over stdio: ``node`` (default $CANDLEWIRE_NODE or node on PATH)
        running ``sidecar`` (default $CANDLEWIRE_SIDECAR or dist/sidecar.js next to this package) with
        extra ``args`` such as ``["--demo"]``. It exits with this process (``--parent-pid``)."""
        argv = spawn_argv(find_node(node), find_sidecar(sidecar), args)
        return cls(lambda: StdioTransport(argv, env=env, log_stderr=log_stderr), "spawn", timeout=timeout, name=name)

    def _open_connection(self, transport: Transport) -> RpcConnection:
        conn = RpcConnection(transport, self._on_notification, lambda reason: self._on_connection_closed(conn, reason)).start()
        try:
            info = conn.request("initialize", {"client": {"name": self.name, "version": __version__}}, timeout=self.timeout)
        except BaseException:
            conn.close("initialize failed")
            raise
        self.sidecar_pid = info.get("pid")
        self.sidecar_version = info.get("version")
        self.exchanges_served = list(info.get("exchanges", []))
        return conn

    # ---- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Releases every subscription (the sidecar does so when the connection closes), ends the
        streams, and stops a private sidecar."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            conn = self._conn
            streams = [s for lst in self._streams.values() for s in lst]
            self._streams.clear()
        self._ready.set()  # wake callers waiting for a reconnect; they see _closing
        if conn is not None:
            conn.close("the client was closed")
        if self._reconnect_thread is not None and self._reconnect_thread is not threading.current_thread():
            self._reconnect_thread.join(timeout=10)
        for s in streams:
            s._end()
        self._emit_status(ClientStatus("closed", "the client was closed"))
        self._dispatcher.stop()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        """True while a connection to a sidecar is up (false while reconnecting)."""
        return self._ready.is_set() and not self._closing and self._dead is None

    # ---- callbacks ---------------------------------------------------------------------------------

    def on_kline(self, callback: Callable[[Bar], None], key: Optional[str] = None) -> Callable[[], None]:
        """Calls ``callback(bar)`` for every kline update of this client's subscriptions (or of one
        key), on the client's callback thread. Returns a function that removes the callback."""
        return self._register(self._kline_callbacks, (key, callback))

    def on_status(self, callback: Callable[[ClientStatus], None]) -> Callable[[], None]:
        """Calls ``callback(ClientStatus)`` when the link to the sidecar changes (disconnected,
        reconnecting, reconnected, …). Returns a function that removes the callback."""
        return self._register(self._status_callbacks, callback)

    def on(self, method: str, callback: Callable[[Any], None]) -> Callable[[], None]:
        """Calls ``callback(envelope)`` for every notification named ``method`` (``status``, ``gap``,
        ``trade``, ``ticker``, ``subscription.error``, ``kline``) with its raw envelope
        ``{channel, key, time, seq, data}``. Returns a function that removes the callback."""
        with self._lock:
            registry = self._notification_callbacks.setdefault(method, [])
        return self._register(registry, callback)

    def _register(self, registry: List[Any], entry: Any) -> Callable[[], None]:
        """Adds ``entry`` to a callback list under the lock; returns the function that removes it."""
        with self._lock:
            registry.append(entry)

        def remove() -> None:
            with self._lock:
                if entry in registry:
                    registry.remove(entry)

        return remove

    # ---- RPC ---------------------------------------------------------------------------------------

    def call(self, method: str, params: Any = None, timeout: Optional[float] = None) -> Any:
        """Any sidecar method by its JSON-RPC name, params and result as JSON values. While the shared
        sidecar restarts, the call waits for the reconnect (within the timeout); a call whose
        connection dropped under it is sent again on the new connection."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            conn = self._wait_connection(deadline, method)
            try:
                return conn.request(method, params, timeout=max(0.001, deadline - time.monotonic()))
            except ConnectionLost:
                if self._closing or not self.reconnect_enabled or method == "shutdown" or time.monotonic() >= deadline:
                    raise
                self._wait_reconnect_started(conn, deadline)

    def _wait_connection(self, deadline: float, method: str) -> RpcConnection:
        while True:
            if self._closing:
                raise ConnectionLost("%s: the client is closed" % method)
            if self._dead is not None:
                raise ConnectionLost("%s: %s" % (method, self._dead))
            left = deadline - time.monotonic()
            if self._ready.wait(max(0.0, left)):
                with self._lock:
                    conn = self._conn
                if conn is not None and not conn.closed and not self._closing:
                    return conn
                if self._closing or self._dead is not None:
                    continue
                # The reader saw the close but the reconnect thread has not cleared `ready` yet.
                time.sleep(0.01)
                if time.monotonic() < deadline:
                    continue
            raise ConnectionLost("%s: not connected to a sidecar (still reconnecting when the call timed out)" % method)

    def _wait_reconnect_started(self, conn: RpcConnection, deadline: float) -> None:
        while time.monotonic() < deadline and not self._closing:
            with self._lock:
                if self._conn is not conn or not self._ready.is_set():
                    return
            time.sleep(0.01)

    def ping(self) -> Dict[str, Any]:
        return self.call("ping")

    def status(self) -> Dict[str, Any]:
        """Connection health, counters and subscriptions of the sidecar (keys in snake_case)."""
        return snake_keys(self.call("status.get"))

    def exchanges(self) -> List[Dict[str, Any]]:
        """Exchanges, markets (enabled or not), channels and native intervals."""
        return snake_keys(self.call("exchanges.list"))

    def instruments(self, exchange: str = DEFAULT_EXCHANGE, market: str = DEFAULT_MARKET, query: Optional[str] = None, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Tradable instruments with native and unified symbols (keys in snake_case)."""
        params: Dict[str, Any] = {"exchange": exchange, "market": market}
        if query is not None:
            params["query"] = query
        if limit is not None:
            params["limit"] = limit
        return snake_keys(self.call("instruments.list", params))

    def ticker(self, symbol: str, exchange: str = DEFAULT_EXCHANGE, market: str = DEFAULT_MARKET) -> Dict[str, Any]:
        """The latest merged ticker of a symbol subscribed on the ticker channel (keys in snake_case).
        Raises NotSubscribed when it is not."""
        return snake_keys(self.call("ticker.get", {"exchange": exchange, "market": market, "symbol": symbol}))

    def subscriptions(self) -> List[Dict[str, Any]]:
        """This client's subscriptions as the sidecar sees them (state, last message time)."""
        return snake_keys(self.call("subscriptions.list"))

    def shutdown(self) -> None:
        """Asks the sidecar to stop (the shared one stops for every client)."""
        self.call("shutdown")

    # ---- subscriptions -----------------------------------------------------------------------------

    def subscribe(
        self,
        symbol: str,
        interval: Optional[str] = None,
        channel: str = "kline",
        exchange: str = DEFAULT_EXCHANGE,
        market: str = DEFAULT_MARKET,
        source: Optional[str] = None,
    ) -> Subscription:
        """Starts a stream (``kline`` needs an interval, default 1m; ``trades``; ``ticker``). A kline
        subscription answers once history is backfilled. ``source="trades"`` builds bars from trades."""
        if channel == "kline" and interval is None:
            interval = "1m"
        sub = Subscription(
            id="", key="", exchange=exchange, market=market, symbol=symbol, channel=channel, interval=interval, source=source, state="pending"
        )
        result = self.call("subscribe", sub.params())
        with self._lock:
            sub.id = sub.server_id = result["subscriptionId"]
            sub.key = result["key"]
            sub.state = result.get("state", "active")
            self._subs[sub.id] = sub
            if channel == "kline" and sub.key not in self._keys:
                self._keys[sub.key] = _KeyState({"exchange": exchange, "market": market, "symbol": symbol, "interval": interval or "", "source": source or ""})
        return sub

    def unsubscribe(self, subscription: Union[Subscription, str]) -> None:
        """Stops one subscription (by object or id). Raises SubscriptionNotFound for an unknown id."""
        sub_id = subscription.id if isinstance(subscription, Subscription) else subscription
        with self._lock:
            sub = self._subs.get(sub_id) or next((s for s in self._subs.values() if s.server_id == sub_id), None)
        try:
            for attempt in range(3):
                server_id = sub.server_id if sub is not None else sub_id
                try:
                    self.call("unsubscribe", {"subscriptionId": server_id})
                    return
                except SubscriptionNotFound:
                    # A reconnect may have restored it under a new sidecar id meanwhile: retry with that.
                    if sub is None or sub.server_id == server_id or attempt == 2:
                        raise
        finally:
            if sub is not None:
                self._forget(sub)

    def _forget(self, sub: Subscription, error: Optional[CandlewireError] = None) -> None:
        with self._lock:
            if self._subs.pop(sub.id, None) is None:
                return
            streams = self._streams.pop(sub.id, [])
            if not any(s.key == sub.key for s in self._subs.values()):
                self._keys.pop(sub.key, None)
        for s in streams:
            s._end(error)

    # ---- data --------------------------------------------------------------------------------------

    def klines(
        self,
        symbol: str,
        interval: str = "1m",
        exchange: str = DEFAULT_EXCHANGE,
        market: str = DEFAULT_MARKET,
        limit: Optional[int] = None,
        start: Any = None,
        end: Any = None,
        source: Optional[str] = None,
    ) -> KlineHistory:
        """Bars from the sidecar's cache (a subscribed key) or from the exchange's REST API: the newest
        ``limit`` (default 500) with open time in [start, end] (datetimes or epoch ms)."""
        params: Dict[str, Any] = {"exchange": exchange, "market": market, "symbol": symbol, "interval": interval}
        if source is not None:
            params["klineSource"] = source
        if limit is not None:
            params["limit"] = int(limit)
        if start is not None:
            params["startTime"] = datetime_to_ms(start)
        if end is not None:
            params["endTime"] = datetime_to_ms(end)
        result = self.call("klines.get", params)
        klines = result.get("klines") or []
        return KlineHistory(key=result["key"], origin=result["source"], rows=rows_from_klines(klines), klines=klines)

    def get_price(
        self,
        symbol: str,
        count: int = 100,
        frequency: str = "1m",
        exchange: str = DEFAULT_EXCHANGE,
        market: str = DEFAULT_MARKET,
        *,
        end: Any = None,
        source: Optional[str] = None,
        include_forming: bool = False,
        as_frame: Optional[bool] = None,
    ) -> Any:
        """The last ``count`` closed bars (plus the forming one with ``include_forming``) as a pandas
        DataFrame indexed by open time (UTC) when pandas is importable, else a list of dicts with the
        same columns (``as_frame`` forces either)."""
        interval = _FREQUENCY_ALIASES.get(frequency, frequency)
        if count < 1:
            raise ValueError("count must be at least 1, got %r" % (count,))
        history = self.klines(symbol, interval, exchange, market, limit=count + 1, end=end, source=source)
        rows = history.rows if include_forming else history.closed()
        return shape(rows[-count:], as_frame)

    def stream(
        self,
        symbol: str,
        interval: str = "1m",
        exchange: str = DEFAULT_EXCHANGE,
        market: str = DEFAULT_MARKET,
        *,
        source: Optional[str] = None,
        closed_only: bool = False,
        history: int = 0,
        timeout: Optional[float] = None,
    ) -> KlineStream:
        """Subscribes and returns an iterator of Bars: forming updates and closed bars (only closed
        ones with ``closed_only``). ``history=N`` yields the last N closed bars first, without a gap
        or an overlap with the live bars. ``timeout``: a silence that long raises RequestTimeout.
        Close the stream (or use ``with``) to unsubscribe."""
        sub = self.subscribe(symbol, interval, "kline", exchange, market, source)
        stream = KlineStream(sub, closed_only, timeout, self._stream_closed)
        with self._lock:
            self._streams.setdefault(sub.id, []).append(stream)
        if history > 0:
            try:
                past = self.klines(symbol, interval, exchange, market, limit=history + 1, source=source)
                spec = {"exchange": exchange, "market": market, "symbol": symbol, "interval": interval}
                bars = [bar_from_kline(k, spec, sub.key) for k in past.klines if k["closed"]][-history:]
                stream._prepend_history(bars)
            except BaseException:
                stream.close()
                raise
        return stream

    def _stream_closed(self, stream: KlineStream) -> None:
        sub = stream.subscription
        with self._lock:
            lst = self._streams.get(sub.id, [])
            if stream in lst:
                lst.remove(stream)
            owned = sub.id in self._subs
        if owned and not self._closing:
            try:
                self.unsubscribe(sub)
            except CandlewireError:
                self._forget(sub)

    # ---- notifications (reader thread: only routing and queueing here) -----------------------------

    def _on_notification(self, method: str, params: Any) -> None:
        if not isinstance(params, dict):
            return
        if method == "kline":
            self._route_kline(params)
        elif method == "subscription.error":
            self._route_subscription_error(params)
        with self._lock:
            callbacks = list(self._notification_callbacks.get(method, ()))
        for cb in callbacks:
            self._dispatcher.submit(cb, params)

    def _route_kline(self, env: Dict[str, Any], healed: bool = False) -> None:
        key = env.get("key")
        k = env.get("data")
        if not isinstance(k, dict) or not isinstance(key, str):
            return
        with self._lock:
            state = self._keys.get(key)
            if state is None:
                return
            if k.get("closed") and not state.first_delivery(k):
                return
            streams = [s for sub in self._subs.values() if sub.key == key for s in self._streams.get(sub.id, ())]
            callbacks = [cb for (want, cb) in self._kline_callbacks if want is None or want == key]
        bar = bar_from_kline(k, state.spec, key, env.get("seq"), healed)
        for s in streams:
            s._push(bar)
        for cb in callbacks:
            self._dispatcher.submit(cb, bar)

    def _route_subscription_error(self, env: Dict[str, Any]) -> None:
        data = env.get("data") or {}
        server_id = data.get("subscriptionId")
        with self._lock:
            sub = next((s for s in self._subs.values() if s.server_id == server_id), None)
        if sub is not None:
            sub.state = "error"
            error = ExchangeRejected(str(data.get("message", "the exchange refused the subscription")), ExchangeRejected.code, data)
            self._forget(sub, error)

    def _emit_status(self, status: ClientStatus) -> None:
        with self._lock:
            callbacks = list(self._status_callbacks)
        for cb in callbacks:
            self._dispatcher.submit(cb, status)

    # ---- reconnect (connect mode) ------------------------------------------------------------------

    def _on_connection_closed(self, conn: RpcConnection, reason: str) -> None:
        with self._lock:
            if conn is not self._conn or self._closing:
                return
            self._ready.clear()
            if not self.reconnect_enabled:
                self._dead = reason
                streams = [s for lst in self._streams.values() for s in lst]
            else:
                streams = []
        self._emit_status(ClientStatus("disconnected", reason, pid=self.sidecar_pid))
        if not self.reconnect_enabled:
            self._ready.set()  # callers waiting see _dead
            for s in streams:
                s._end(ConnectionLost(reason))
            return
        self._reconnect_thread = threading.Thread(target=self._reconnect_loop, name="candlewire-reconnect", daemon=True)
        self._reconnect_thread.start()

    def _reconnect_loop(self) -> None:
        attempt = 0
        while not self._closing:
            attempt += 1
            # Exponential backoff with jitter, so many clients of one restarted sidecar do not stampede it.
            delay = min(self.reconnect_max_delay, 0.1 * (2 ** min(attempt - 1, 10)))
            delay = delay / 2 + random.uniform(0, delay / 2)
            self._emit_status(ClientStatus("reconnecting", "waiting for the sidecar", attempt=attempt, delay=delay))
            if self._sleep(delay):
                return
            try:
                conn = self._open_connection(self._opener())
            except CandlewireError:
                continue
            with self._lock:
                if self._closing:
                    conn.close("the client was closed")
                    return
                self._conn = conn
            lost = self._restore(conn)
            if conn.closed:
                continue  # it went away again while restoring: start over
            self._ready.set()
            self._emit_status(ClientStatus("reconnected", "connected to sidecar pid %s; %d subscription(s) restored" % (self.sidecar_pid, len(self._subs)), attempt=attempt, pid=self.sidecar_pid))
            for sub, err in lost:
                self._emit_status(ClientStatus("subscription_lost", str(err), subscription=sub))
            return

    def _sleep(self, seconds: float) -> bool:
        end = time.monotonic() + seconds
        while not self._closing:
            left = end - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(left, 0.05))
        return True

    def _restore(self, conn: RpcConnection) -> List[Tuple[Subscription, CandlewireError]]:
        """Resubscribes everything on a new connection, then delivers the closed bars missed meanwhile."""
        with self._lock:
            subs = list(self._subs.values())
            # Where each stream stood BEFORE resubscribing: live bars arriving while we restore
            # move last_closed_ms past the hole, so the catch-up must start from this snapshot.
            resume_from = {key: state.resume_after() for key, state in self._keys.items()}
        lost: List[Tuple[Subscription, CandlewireError]] = []
        for sub in subs:
            try:
                result = conn.request("subscribe", sub.params(), timeout=self.timeout)
            except ConnectionLost:
                return lost
            except CandlewireError as e:
                lost.append((sub, e))
                self._forget(sub, e)
                continue
            with self._lock:
                sub.server_id = result["subscriptionId"]
                sub.state = result.get("state", "active")
        with self._lock:
            keys = list(self._keys.items())
        for key, state in keys:
            last = resume_from.get(key)
            if last is None:
                continue
            try:
                missed = conn.request(
                    "klines.get",
                    {**_spec_params(state.spec), "startTime": last + 1, "limit": 100_000},
                    timeout=self.timeout,
                )
            except CandlewireError:
                continue
            for k in missed.get("klines") or []:
                if k.get("closed"):
                    self._route_kline({"key": key, "data": k}, healed=True)
        return lost


def _spec_params(spec: Dict[str, str]) -> Dict[str, Any]:
    params: Dict[str, Any] = {"exchange": spec["exchange"], "market": spec["market"], "symbol": spec["symbol"], "interval": spec["interval"]}
    if spec.get("source"):
        params["klineSource"] = spec["source"]
    return params


def _no_sidecar_message(directory: Optional[str]) -> str:
    where = directory or runtime_dir()
    return (
        "no running Candlewire sidecar: no live connection file in %s. Start one with "
        "`node dist/sidecar.js --socket` (or open VS Code with the Candlewire extension), "
        "or use Client.spawn() / Client.connect(or_spawn=True) for a private one" % where
    )
