"""Where the sidecar is: the shared sidecar's connection file, or node + dist/sidecar.js to spawn one.

The connection-file contract is shared with the sidecar and the VS Code extension:
``$CANDLEWIRE_RUNTIME_DIR`` if set, else ``$XDG_RUNTIME_DIR/candlewire``, else
``<tmpdir>/candlewire-<uid>``; the file is ``sidecar.json`` there. A file whose pid is dead is stale.
"""
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from typing import Any, Dict, Optional

from .errors import SidecarNotFound

__all__ = ["ConnectionInfo", "runtime_dir", "connection_file", "read_connection_file", "pid_alive", "find_node", "find_sidecar"]

CONNECTION_FILE = "sidecar.json"


@dataclass(frozen=True)
class ConnectionInfo:
    """The parsed connection file of a running shared sidecar."""

    transport: str  # "unix" or "pipe"
    path: str
    pid: int
    version: str
    started: int
    ws: Optional[Dict[str, Any]]
    file: str


def _node_tmpdir() -> str:
    # Mirrors Node's os.tmpdir(), which the sidecar uses, so both sides agree on the directory.
    if sys.platform == "win32":
        import tempfile

        return tempfile.gettempdir()
    for name in ("TMPDIR", "TMP", "TEMP"):
        value = os.environ.get(name)
        if value:
            return value.rstrip("/") or "/"
    return "/tmp"


def runtime_dir() -> str:
    """The per-user directory holding the socket and the connection file."""
    override = os.environ.get("CANDLEWIRE_RUNTIME_DIR")
    if override:
        return override
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and sys.platform != "win32":
        return os.path.join(xdg, "candlewire")
    if hasattr(os, "getuid"):
        who = str(os.getuid())
    else:
        who = re.sub(r"[^A-Za-z0-9_.-]", "_", _user_name()) or "user"
    return os.path.join(_node_tmpdir(), "candlewire-%s" % who)


def _user_name() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database entry: fall back like the sidecar does
        return os.environ.get("USER") or os.environ.get("USERNAME") or "user"


def connection_file(directory: Optional[str] = None) -> str:
    """Path of the connection file (it may not exist)."""
    return os.path.join(directory or runtime_dir(), CONNECTION_FILE)


def pid_alive(pid: int) -> bool:
    """True when a process with that id exists (even one we may not signal)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _win_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _win_pid_alive(pid: int) -> bool:
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return False
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def read_connection_file(directory: Optional[str] = None) -> Optional[ConnectionInfo]:
    """The live sidecar's connection info, or None when there is no file, it is unreadable, or its pid is dead."""
    path = connection_file(directory)
    try:
        with open(path, "r", encoding="utf-8") as f:
            raw = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict):
        return None
    try:
        info = ConnectionInfo(
            transport=str(raw["transport"]),
            path=str(raw["path"]),
            pid=int(raw["pid"]),
            version=str(raw.get("version", "")),
            started=int(raw.get("started", 0)),
            ws=raw.get("ws") if isinstance(raw.get("ws"), dict) else None,
            file=path,
        )
    except (KeyError, TypeError, ValueError):
        return None
    if info.transport not in ("unix", "pipe") or not pid_alive(info.pid):
        return None
    return info


def find_node(node: Optional[str] = None) -> str:
    """The node executable: the argument, else $CANDLEWIRE_NODE, else `node` on PATH."""
    candidate = node or os.environ.get("CANDLEWIRE_NODE") or "node"
    found = shutil.which(candidate) or (candidate if os.path.isfile(candidate) else None)
    if not found:
        raise SidecarNotFound(
            "cannot find Node.js (looked for %r): install Node >= 20, put it on PATH, "
            "or set CANDLEWIRE_NODE / pass node=... to Client.spawn" % candidate
        )
    return found


def find_sidecar(sidecar: Optional[str] = None) -> str:
    """dist/sidecar.js: the argument, else $CANDLEWIRE_SIDECAR, else next to this package."""
    if sidecar or os.environ.get("CANDLEWIRE_SIDECAR"):
        path = sidecar or os.environ["CANDLEWIRE_SIDECAR"]
        if not os.path.isfile(path):
            raise SidecarNotFound("sidecar script %r does not exist (build it with `node esbuild.mjs`)" % path)
        return path
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.path.join(here, "sidecar.js"),  # a copy installed with the package
        os.path.join(here, "..", "..", "dist", "sidecar.js"),  # the repository layout: python/candlewire
    ]
    for path in candidates:
        if os.path.isfile(path):
            return os.path.normpath(path)
    raise SidecarNotFound(
        "cannot find dist/sidecar.js (looked in %s): run `node esbuild.mjs` in the candlewire repository, "
        "or set CANDLEWIRE_SIDECAR / pass sidecar=... to Client.spawn" % ", ".join(os.path.normpath(c) for c in candidates)
    )
