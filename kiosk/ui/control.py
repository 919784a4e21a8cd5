"""The running kiosk's control channel: `kiosk screenshot FILE` asks it to save what it shows.

A unix socket beside the tap socket (`control.sock`), mode 0600 and the peer's uid checked, so only
the kiosk's own user can look at the screen (it may show a name). One line each way:
`SCREENSHOT <absolute path>` or `SCREEN` (the name of the screen shown), answered `OK <text>` or
`ERR <reason>`. The server runs in its own thread and hands requests to the UI through the
callbacks it is given, which marshal to Kivy's main thread and wait for the answer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
MAX_LINE = 4096


class ControlError(Exception):
    """The kiosk could not be reached, or refused the request; the message says which."""


def control_socket_path(tap_socket: Path) -> Path:
    return tap_socket.with_name("control.sock")


class ControlServer:
    """Serves `SCREENSHOT` and `SCREEN` on `path` until `stop()`."""

    def __init__(
        self, path: Path, screenshot: Callable[[Path], None], screen: Callable[[], str]
    ) -> None:
        self.path = path
        self._screenshot, self._screen = screenshot, screen
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a kiosk that did not stop cleanly
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        self.path.chmod(0o600)  # the peer-uid check covers the moment before this
        server.listen(2)
        server.settimeout(0.2)
        self._server = server
        self._thread = threading.Thread(target=self._serve, name="kiosk control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_S)
        if self._server is not None:
            self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        assert self._server is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._server.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(TIMEOUT_S)
                _reply(conn, self._answer(conn))

    def _answer(self, conn: socket.socket) -> str:
        try:
            if _peer_uid(conn) != os.getuid():
                return "ERR only the kiosk's user may use the control socket"
            command, _, argument = _read_line(conn).partition(" ")
            if command == "SCREEN":
                return f"OK {self._screen()}"
            if command == "SCREENSHOT" and Path(argument).is_absolute():
                self._screenshot(Path(argument))
                return f"OK {argument}"
            return "ERR expected: SCREENSHOT <absolute path> or SCREEN"
        except Exception as exc:  # the kiosk outlives a bad request; the client hears why
            log.warning("control request failed: %s", exc)
            return f"ERR {exc}"


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


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


def request(path: Path, line: str, timeout_s: float = TIMEOUT_S) -> str:
    """Send one request to the kiosk on `path`; returns the text after `OK `."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout_s)
        try:
            client.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError) as exc:
            raise ControlError(f"no kiosk is running here ({path}): start `kiosk run`") from exc
        except PermissionError as exc:
            raise ControlError(f"permission denied on {path}: run as the kiosk's user") from exc
        client.sendall(line.encode() + b"\n")
        answer = _read_line(client)
    if not answer.startswith("OK"):
        raise ControlError(answer.removeprefix("ERR ").strip() or "the kiosk closed the connection")
    return answer[3:]
