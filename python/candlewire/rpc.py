"""JSON-RPC 2.0 over one transport: one reader thread, one future per request id.

Any number of threads may call ``request`` at once; writes are serialized by a lock and each
caller waits on its own future. Notifications are handed to ``on_notification`` on the reader
thread, which must return quickly (the client only queues them).
"""
import itertools
import json
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Callable, Dict, Optional

from .errors import ConnectionLost, RequestTimeout, error_from_response
from .transport import Transport

__all__ = ["RpcConnection"]

NotificationHandler = Callable[[str, Any], None]
CloseHandler = Callable[[str], None]


class RpcConnection:
    """One live connection to a sidecar."""

    def __init__(self, transport: Transport, on_notification: NotificationHandler, on_close: CloseHandler) -> None:
        self.transport = transport
        self._on_notification = on_notification
        self._on_close = on_close
        self._ids = itertools.count(1)
        self._pending: Dict[int, Future] = {}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed: Optional[str] = None
        self._reader = threading.Thread(target=self._read_loop, name="candlewire-reader", daemon=True)

    def start(self) -> "RpcConnection":
        self._reader.start()
        return self

    @property
    def closed(self) -> bool:
        return self._closed is not None

    def request(self, method: str, params: Any = None, timeout: Optional[float] = 30.0) -> Any:
        """Sends one request and waits for its result; raises the mapped error class on an error response."""
        future: Future = Future()
        with self._lock:
            if self._closed is not None:
                raise ConnectionLost(self._closed)
            request_id = next(self._ids)
            self._pending[request_id] = future
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        data = (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            with self._write_lock:
                self.transport.write(data)
        except ConnectionLost:
            with self._lock:
                self._pending.pop(request_id, None)
            raise
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            with self._lock:
                self._pending.pop(request_id, None)
            raise RequestTimeout("%s: no answer from the sidecar within %.1f s" % (method, timeout)) from None

    def close(self, reason: str = "the client closed the connection") -> None:
        """Closes the transport; pending requests fail with ConnectionLost."""
        self._fail_all(reason)
        self.transport.close()
        if threading.current_thread() is not self._reader:
            self._reader.join(timeout=5)

    def _fail_all(self, reason: str) -> bool:
        with self._lock:
            if self._closed is not None:
                return False
            self._closed = reason
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(ConnectionLost(reason))
        return True

    def _read_loop(self) -> None:
        reason = "the connection closed"
        try:
            while True:
                line = self.transport.readline()
                if not line:
                    reason = self.transport.exit_reason()
                    break
                self._receive(line)
        except Exception as e:  # noqa: BLE001 - the reader must always report why it stopped
            reason = "reading from the sidecar failed: %s" % e
        if self._fail_all(reason):
            self._on_close(reason)

    def _receive(self, line: bytes) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            return  # the sidecar writes only protocol lines; anything else is ignored, not fatal
        for m in message if isinstance(message, list) else [message]:
            if not isinstance(m, dict):
                continue
            if "method" in m and "id" not in m:
                try:
                    self._on_notification(m["method"], m.get("params"))
                except Exception:  # noqa: BLE001 - a bad handler must not kill the reader
                    pass
                continue
            request_id = m.get("id")
            with self._lock:
                future = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
            if future is None or future.done():
                continue
            if "error" in m:
                future.set_exception(error_from_response(m["error"]))
            else:
                future.set_result(m.get("result"))
