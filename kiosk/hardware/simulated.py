"""The simulated badge reader: a running kiosk accepts taps from `kiosk tap UID` on a local socket.

This module owns both ends of that socket. The reader listens on a unix socket that only the
kiosk's own user can use (file mode 0600, and the peer's uid checked on every connection), so
nobody else on the machine can clock a person in. `send_tap` is the client. One line each way:
`TAP <UID>` and `OK <UID>` or `ERR <reason>`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
from pathlib import Path

from kiosk.hardware.reader import HardwareError, ReaderBase, normalise_uid

log = logging.getLogger(__name__)

ACCEPT_WAKE_S = 0.2  # how often the accept loop looks at `stopping`
CLIENT_TIMEOUT_S = 2.0
MAX_LINE = 256


class NoKioskListening(HardwareError):
    """`kiosk tap` found no kiosk on the socket."""


class SimulatedReader(ReaderBase):
    """Badges arrive as lines on the unix socket at `socket_path`."""

    def __init__(self, socket_path: Path) -> None:
        super().__init__("simulated badge reader")
        self.socket_path = Path(socket_path)
        self._server: socket.socket | None = None

    def _serve(self) -> None:
        self._server = server = self._listen()
        self._healthy(f"simulated reader listening on {self.socket_path} (kiosk tap UID)")
        while not self.stopping.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                self._handle(conn)

    def _listen(self) -> socket.socket:
        path = self.socket_path
        path.parent.mkdir(parents=True, exist_ok=True)
        if _someone_listening(path):
            raise HardwareError(f"another kiosk is already listening on {path}")
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a stale socket left by a kiosk that did not stop cleanly
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # A tight umask would be racy in a threaded process; instead bind then chmod, and
            # rely on the peer-uid check for the moment in between.
            server.bind(str(path))
            path.chmod(0o600)
            server.listen(4)
            server.settimeout(ACCEPT_WAKE_S)
        except OSError:
            server.close()
            raise
        return server

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(CLIENT_TIMEOUT_S)
        try:
            if _peer_uid(conn) != os.getuid():
                _reply(conn, "ERR only the kiosk's user may tap")
                return
            line = _read_line(conn)
            command, _, argument = line.partition(" ")
            if command != "TAP":
                _reply(conn, "ERR expected: TAP <UID>")
                return
            uid = normalise_uid(argument)
        except ValueError as exc:
            _reply(conn, f"ERR {exc}")
            return
        except OSError as exc:
            log.debug("tap client went away: %s", exc)
            return
        self._emit(uid)
        _reply(conn, f"OK {uid}")

    def _release(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()


def _someone_listening(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def _read_line(conn: socket.socket) -> str:
    data = b""
    while b"\n" not in data and len(data) < MAX_LINE:
        chunk = conn.recv(MAX_LINE)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()


def _reply(conn: socket.socket, line: str) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(line.encode() + b"\n")


def send_tap(socket_path: Path, uid: str, timeout_s: float = CLIENT_TIMEOUT_S) -> str:
    """Present `uid` to the kiosk on `socket_path`; returns the UID as the kiosk took it. Raises
    ValueError (malformed UID), NoKioskListening, or HardwareError (the kiosk refused it)."""
    uid = normalise_uid(uid)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout_s)
        try:
            client.connect(str(socket_path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise NoKioskListening(
                f"no kiosk is listening on {socket_path}: start `kiosk run` with "
                'reader.kind = "simulated" (or check reader.socket)'
            ) from exc
        except PermissionError as exc:
            raise HardwareError(
                f"permission denied on {socket_path}: run `kiosk tap` as the kiosk's user"
            ) from exc
        client.sendall(f"TAP {uid}\n".encode())
        answer = _read_line(client)
    if not answer.startswith("OK "):
        reason = answer.removeprefix("ERR ").strip() or "the kiosk closed the connection"
        raise HardwareError(f"the kiosk refused the tap: {reason}")
    return answer[3:]
