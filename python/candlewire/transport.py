"""Byte pipes to a sidecar, one NDJSON message per line: a child's stdio, or the shared local socket."""
import collections
import os
import socket
import subprocess
import sys
import threading
from typing import Deque, List, Optional, Sequence

from .discovery import ConnectionInfo
from .errors import ConnectionLost, SidecarNotFound

__all__ = ["Transport", "StdioTransport", "SocketTransport", "PipeTransport", "open_connection_info"]


class Transport:
    """A line-oriented duplex: ``readline()`` returns b"" at end of stream."""

    description = "sidecar"

    def readline(self) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def exit_reason(self) -> str:
        """Why the other side went away, for error messages."""
        return "the connection to the %s closed" % self.description


class StdioTransport(Transport):
    """A private sidecar child process; its stdio carries the protocol, its stderr is kept for diagnostics."""

    def __init__(self, argv: Sequence[str], env: Optional[dict] = None, log_stderr: bool = False) -> None:
        self.argv = list(argv)
        self.description = "sidecar child process"
        self.stderr_tail: Deque[str] = collections.deque(maxlen=50)
        self._log_stderr = log_stderr
        try:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                bufsize=0,
                # Ctrl-C in a terminal goes to the whole foreground group; the sidecar is stopped by
                # us (stdin closes) or by --parent-pid, never half-way by the user's interrupt.
                start_new_session=(sys.platform != "win32"),
            )
        except OSError as e:
            raise SidecarNotFound("cannot start the sidecar (%s): %s" % (" ".join(self.argv), e)) from e
        self._stdout = self.process.stdout
        self._stdin = self.process.stdin
        # stderr must be drained or a chatty sidecar would block on a full pipe.
        self._stderr_thread = threading.Thread(target=self._drain_stderr, name="candlewire-sidecar-stderr", daemon=True)
        self._stderr_thread.start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _drain_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.stderr_tail.append(line)
            if self._log_stderr:
                sys.stderr.write("[sidecar] %s\n" % line)

    def readline(self) -> bytes:
        assert self._stdout is not None
        return self._stdout.readline()

    def write(self, data: bytes) -> None:
        assert self._stdin is not None
        try:
            self._stdin.write(data)
            self._stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as e:
            raise ConnectionLost("cannot write to the sidecar: %s" % self.exit_reason()) from e

    def close(self, wait: float = 5.0) -> None:
        """Closes stdin (the sidecar's cue to stop), then waits; kills it if it lingers."""
        try:
            if self._stdin is not None:
                self._stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr_thread.join(timeout=2)
        for stream in (self.process.stdout, self.process.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def exit_reason(self) -> str:
        try:
            # End of output usually means the process is exiting: give it a moment to be reaped.
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            return "the sidecar child process (pid %d) closed its output" % self.process.pid
        self._stderr_thread.join(timeout=1)  # its last words may still be in the pipe
        lines = list(self.stderr_tail)
        # The sidecar's fatal messages start with "candlewire:"; show those rather than a usage text.
        fatal = [line for line in lines if line.startswith("candlewire:")]
        tail = "\n".join(fatal or lines[-10:])
        return "the sidecar child process exited with code %s%s" % (code, (":\n" + tail) if tail else "")


class SocketTransport(Transport):
    """The shared sidecar's Unix domain socket."""

    def __init__(self, path: str, timeout: float = 5.0) -> None:
        self.path = path
        self.description = "shared sidecar at %s" % path
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as e:
            sock.close()
            raise SidecarNotFound("cannot connect to the sidecar socket %s: %s" % (path, e)) from e
        sock.settimeout(None)
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._closed = False

    def readline(self) -> bytes:
        try:
            return self._reader.readline()
        except (OSError, ValueError):
            return b""

    def write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as e:
            raise ConnectionLost("cannot write to the %s: %s" % (self.description, e)) from e

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._reader.close()
        self._sock.close()


class PipeTransport(Transport):
    """The shared sidecar's Windows named pipe (``\\\\.\\pipe\\candlewire-<user>``). Not exercised by the test suite (Linux)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = "shared sidecar at %s" % path
        try:
            self._file = open(path, "r+b", buffering=0)
        except OSError as e:
            raise SidecarNotFound("cannot open the sidecar pipe %s: %s" % (path, e)) from e
        self._buffer = bytearray()

    def readline(self) -> bytes:
        while True:
            nl = self._buffer.find(b"\n")
            if nl >= 0:
                line = bytes(self._buffer[: nl + 1])
                del self._buffer[: nl + 1]
                return line
            try:
                chunk = self._file.read(65536)
            except OSError:
                chunk = b""
            if not chunk:
                return b""
            self._buffer += chunk

    def write(self, data: bytes) -> None:
        try:
            self._file.write(data)
        except OSError as e:
            raise ConnectionLost("cannot write to the %s: %s" % (self.description, e)) from e

    def close(self) -> None:
        try:
            self._file.close()
        except OSError:
            pass


def open_connection_info(info: ConnectionInfo, timeout: float = 5.0) -> Transport:
    """Opens the transport a connection file names."""
    if info.transport == "unix":
        if not hasattr(socket, "AF_UNIX"):
            raise SidecarNotFound("the connection file names a Unix socket, which this platform lacks")
        return SocketTransport(info.path, timeout)
    if info.transport == "pipe":
        return PipeTransport(info.path)
    raise SidecarNotFound("unknown transport %r in %s" % (info.transport, info.file))


def spawn_argv(node: str, sidecar: str, args: Sequence[str]) -> List[str]:
    """The command line of a private sidecar tied to this process's lifetime."""
    return [node, sidecar, "--parent-pid", str(os.getpid()), *args]
