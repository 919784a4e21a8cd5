"""The running kiosk's control channel: `kiosk screenshot FILE` asks it to save what it shows.

A unix socket beside the tap socket (`control.sock`), served through `kiosk.localsocket`: mode
0600 and the peer's uid checked, so only the kiosk's own user can look at the screen (it may show
a name). One line each way: `SCREENSHOT <absolute path>`, `SCREEN` (the name of the screen shown)
or `DRAWN <screen> <monotonic ns>` (when the first frame showing that screen after that moment
was flipped, for the benchmarks), answered `OK <text>` or `ERR <reason>`. The server runs in its
own thread and hands requests to the UI through the callbacks it is given, which marshal to
Kivy's main thread and wait for the answer.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from kiosk import localsocket

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
ACCEPT_WAKE_S = 0.2  # how often the serving thread looks at `stopping`
USAGE = "ERR expected: SCREENSHOT <absolute path>, SCREEN, or DRAWN <screen> <monotonic ns>"


class ControlError(Exception):
    """The kiosk could not be reached, or refused the request; the message says which."""


def control_socket_path(tap_socket: Path) -> Path:
    return tap_socket.with_name("control.sock")


class FrameLog:
    """The last frames flipped to the screen: when (`time.monotonic_ns`, which on Linux is one
    clock for every process) and which screen each showed. Written by the main thread on each
    flip, read by the control thread."""

    def __init__(self, keep: int = 64) -> None:
        self._frames: deque[tuple[int, str]] = deque(maxlen=keep)
        self._changed = threading.Condition()

    def flipped(self, screen: str) -> None:
        with self._changed:
            self._frames.append((time.monotonic_ns(), screen))
            self._changed.notify_all()

    def first(self, screen: str, after_ns: int, timeout_s: float) -> int | None:
        """When the first frame showing `screen` after `after_ns` was flipped; None if none was
        within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                for at_ns, shown in self._frames:
                    if at_ns > after_ns and shown == screen:
                        return at_ns
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)


class ControlServer:
    """Serves `SCREENSHOT`, `SCREEN` and `DRAWN` on `path` until `stop()`."""

    def __init__(
        self,
        path: Path,
        screenshot: Callable[[Path], None],
        screen: Callable[[], str],
        frames: FrameLog | None = None,
    ) -> None:
        self.path = path
        self._screenshot, self._screen = screenshot, screen
        self._frames = frames or FrameLog()
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> None:
        try:
            self._server = localsocket.listen(self.path, 2, ACCEPT_WAKE_S)
        except localsocket.AlreadyListening as exc:
            # Only one kiosk runs per data folder (the run lock), so this is another data folder
            # sharing a socket folder: keep kiosking, without `kiosk screenshot`.
            log.error("no control channel: %s", exc)
            return
        self._thread = threading.Thread(target=self._serve, name="kiosk control", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_S)
        if self._server is not None:
            localsocket.close(self._server, self.path)

    def _serve(self) -> None:
        assert self._server is not None
        refusal = "only the kiosk's user may use the control socket"
        while not self._stopping.is_set():
            try:
                localsocket.serve_one(self._server, self._answer, refusal, TIMEOUT_S)
            except OSError as exc:  # the channel outlives one broken connection
                log.debug("control connection failed: %s", exc)

    def _answer(self, line: str) -> str:
        command, _, argument = line.partition(" ")
        try:
            if command == "SCREEN":
                return f"OK {self._screen()}"
            if command == "SCREENSHOT" and Path(argument).is_absolute():
                self._screenshot(Path(argument))
                return f"OK {argument}"
            if command == "DRAWN":
                return self._drawn(argument)
            return USAGE
        except Exception as exc:  # the kiosk outlives a bad request; the client hears why
            log.warning("control request failed: %s", exc)
            return f"ERR {exc}"

    def _drawn(self, argument: str) -> str:
        screen, _, after = argument.partition(" ")
        at_ns = self._frames.first(screen, int(after), TIMEOUT_S)
        if at_ns is None:
            return f"ERR no frame showing {screen} was drawn within {TIMEOUT_S:g} s"
        return f"OK {at_ns}"


def request(path: Path, line: str, timeout_s: float = TIMEOUT_S) -> str:
    """Send one request to the kiosk on `path`; returns the text after `OK `."""
    try:
        answer = localsocket.request(path, line, timeout_s)
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise ControlError(f"no kiosk is running here ({path}): start `kiosk run`") from exc
    except PermissionError as exc:
        raise ControlError(f"permission denied on {path}: run as the kiosk's user") from exc
    if not answer.startswith("OK"):
        raise ControlError(answer.removeprefix("ERR ").strip() or "the kiosk closed the connection")
    return answer[3:]
