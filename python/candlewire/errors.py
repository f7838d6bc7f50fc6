"""Typed errors: one exception class per JSON-RPC error family, plus transport problems.

Every error carries ``code``, ``message`` and ``data`` exactly as the sidecar sent them, so a
caller can ``except UnknownSymbol as e: print(e.data.get("suggestions"))``.
"""
from typing import Any, Dict, Optional, Type

__all__ = [
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


class CandlewireError(Exception):
    """Base of every error this package raises."""

    code: Optional[int] = None

    def __init__(self, message: str, code: Optional[int] = None, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.data = data

    def __str__(self) -> str:
        return self.message if self.code is None else "%s (%d)" % (self.message, self.code)


class RpcError(CandlewireError):
    """An error response from the sidecar. Unknown codes are raised as this class itself."""


class ParseError(RpcError):
    code = -32700


class InvalidRequest(RpcError):
    code = -32600


class MethodNotFound(RpcError):
    code = -32601


class InvalidParams(RpcError):
    """Bad params; ``data["issues"]`` lists every failing path."""

    code = -32602


class InternalError(RpcError):
    code = -32603


class ExchangeUnavailable(RpcError):
    """The exchange is unknown, disabled in the config, or the market has no URL."""

    code = -32001


class UnknownSymbol(RpcError):
    """The symbol is not listed there; ``data["suggestions"]`` may list close matches."""

    code = -32002


class Unsupported(RpcError):
    """The channel or interval is not available there; ``data["available"]`` lists what is."""

    code = -32003


class SubscriptionNotFound(RpcError):
    """No subscription with that id belongs to this client."""

    code = -32004


class ExchangeRejected(RpcError):
    """The exchange refused the subscription (its reason is in the message)."""

    code = -32005


class UpstreamFailed(RpcError):
    """A REST request to the exchange failed after retries."""

    code = -32006


class NotSubscribed(RpcError):
    """The data is only kept for subscribed keys: subscribe first."""

    code = -32007


class LimitExceeded(RpcError):
    """A configured limit was reached; ``data["limit"]`` names it."""

    code = -32008


class ShuttingDown(RpcError):
    """The sidecar is stopping."""

    code = -32009


class TransportError(CandlewireError):
    """Base of the problems reaching the sidecar (no JSON-RPC code)."""


class ConnectionLost(TransportError):
    """The connection to the sidecar closed (or the client was closed) before an answer came."""


class SidecarNotFound(TransportError):
    """No running sidecar to connect to, or no node / dist/sidecar.js to spawn one with."""


class RequestTimeout(TransportError):
    """The sidecar did not answer within the timeout."""


_BY_CODE: Dict[int, Type[RpcError]] = {
    cls.code: cls  # type: ignore[misc]
    for cls in (
        ParseError,
        InvalidRequest,
        MethodNotFound,
        InvalidParams,
        InternalError,
        ExchangeUnavailable,
        UnknownSymbol,
        Unsupported,
        SubscriptionNotFound,
        ExchangeRejected,
        UpstreamFailed,
        NotSubscribed,
        LimitExceeded,
        ShuttingDown,
    )
}


def error_from_response(error: Any) -> RpcError:
    """Turns a JSON-RPC ``error`` object into the matching exception instance."""
    if not isinstance(error, dict):
        return RpcError("malformed error response: %r" % (error,), None, None)
    code = error.get("code")
    message = str(error.get("message", "unknown error"))
    cls = _BY_CODE.get(code, RpcError) if isinstance(code, int) else RpcError
    return cls(message, code if isinstance(code, int) else None, error.get("data"))
