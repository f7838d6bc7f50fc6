"""Shared test plumbing: the built sidecar, fake exchanges in a Node helper, temp runtime dirs."""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from typing import Any, Callable, Dict, List, Optional, Sequence, TypeVar

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(PYTHON_DIR)
SIDECAR = os.path.join(REPO, "dist", "sidecar.js")
NODE = os.environ.get("CANDLEWIRE_NODE") or shutil.which("node") or "node"

if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

from candlewire.discovery import read_connection_file  # noqa: E402

T = TypeVar("T")

# Short feed timings so reconnects in tests take fractions of a second.
FEED_TOML = """
[feed]
stale_after_ms = 3000
idle_probe_ms = 1000
ack_timeout_ms = 2000
backoff_base_ms = 50
backoff_cap_ms = 500
close_grace_ms = 2500
"""

_socket_support: Optional[bool] = None


def sidecar_supports_socket() -> bool:
    """True when the built sidecar lists --socket in its help (the shared-socket transport)."""
    global _socket_support
    if _socket_support is None:
        out = subprocess.run([NODE, SIDECAR, "--help"], capture_output=True, text=True, timeout=30)
        _socket_support = "--socket" in out.stdout
    return _socket_support


def needs_socket(cls_or_fn: T) -> T:
    return unittest.skipUnless(sidecar_supports_socket(), "the built sidecar has no --socket transport yet")(cls_or_fn)  # type: ignore[return-value]


def wait_for(what: str, pred: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Polls ``pred`` until it returns something truthy; fails with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


_temp_dirs: List[str] = []


def temp_dir(prefix: str = "cw-py-") -> str:
    """A fresh directory, removed when the tests exit. Short paths: a Unix socket path must stay under ~100 bytes."""
    path = tempfile.mkdtemp(prefix=prefix, dir="/tmp" if os.path.isdir("/tmp") else None)
    _temp_dirs.append(path)
    return path


@atexit.register
def _remove_temp_dirs() -> None:
    for path in _temp_dirs:
        shutil.rmtree(path, ignore_errors=True)


def sidecar_env(runtime_dir: Optional[str] = None) -> Dict[str, str]:
    env = dict(os.environ)
    for k in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        env.pop(k, None)
    if runtime_dir is not None:
        env["CANDLEWIRE_RUNTIME_DIR"] = runtime_dir
    return env


class FakeExchange:
    """The fake Binance (spot + perp) in a Node helper process, with its controls and ground truth."""

    def __init__(self, seed: int = 11) -> None:
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [NODE, "--import", "tsx", os.path.join(HERE, "fake_exchange.ts"), "--seed", str(seed)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        self._lock = threading.Lock()
        ready = self._read()
        if not ready.get("ready"):
            raise RuntimeError("fake exchange helper did not start: %r" % ready)
        self.toml: str = ready["toml"]

    def _read(self) -> Dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self._stderr.seek(0)
            tail = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[:10]
            raise RuntimeError("fake exchange helper (python/tests/fake_exchange.ts) exited (code %s):\n%s" % (self.proc.wait(5), "\n".join(tail)))
        return json.loads(line)

    def request(self, cmd: str, **kw: Any) -> Dict[str, Any]:
        with self._lock:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"cmd": cmd, **kw}) + "\n")
            self.proc.stdin.flush()
            reply = self._read()
        if "error" in reply:
            raise RuntimeError("fake exchange: %s" % reply["error"])
        return reply

    def topics(self, market: str = "spot") -> Dict[str, int]:
        return self.request("topics", exchange="binance", market=market)["topics"]

    def config_file(self, extra: str = "") -> str:
        path = os.path.join(temp_dir("cw-cfg-"), "config.toml")
        with open(path, "w") as f:
            f.write(self.toml + FEED_TOML + extra)
        return path

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()


class SharedSidecar:
    """A `--socket` sidecar started by the test (its stdio held open, unused), so the test can stop
    and restart it independently of the clients."""

    def __init__(self, config: str, runtime_dir: str, extra_args: Sequence[str] = ()) -> None:
        self.runtime_dir = runtime_dir
        self.proc = subprocess.Popen(
            [NODE, SIDECAR, "--socket", "--config", config, *extra_args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=sidecar_env(runtime_dir),
        )
        self.stderr: List[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        wait_for(
            "the sidecar (pid %d) to write its connection file in %s; stderr:\n%s" % (self.proc.pid, runtime_dir, "\n".join(self.stderr[-10:])),
            lambda: (read_connection_file(runtime_dir) or None) and read_connection_file(runtime_dir).pid == self.proc.pid,
            timeout=20,
        )

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for raw in iter(self.proc.stderr.readline, b""):
            self.stderr.append(raw.decode("utf-8", "replace").rstrip())

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, kill: bool = False) -> Optional[int]:
        if self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stderr):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass
        return self.proc.returncode

