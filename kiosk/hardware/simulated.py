"""The simulated badge reader: a running kiosk accepts taps from `kiosk tap UID` on a local socket.

This module owns both ends of that socket's conversation. The reader listens on a unix socket that
only the kiosk's own user can use (`kiosk.localsocket`: file mode 0600, and the peer's uid checked
on every connection), so nobody else on the machine can clock a person in. `send_tap` is the
client. One line each way: `TAP <UID>` and `OK <UID>` or `ERR <reason>`.
"""

from __future__ import annotations

import socket
from pathlib import Path

from kiosk import localsocket
from kiosk.hardware.reader import HardwareError, ReaderBase, normalise_uid

ACCEPT_WAKE_S = 0.2  # how often the accept loop looks at `stopping`
CLIENT_TIMEOUT_S = 2.0


class NoKioskListening(HardwareError):
    """`kiosk tap` found no kiosk on the socket."""


class SimulatedReader(ReaderBase):
    """Badges arrive as lines on the unix socket at `socket_path`."""

    def __init__(self, socket_path: Path) -> None:
        super().__init__("simulated badge reader")
        self.socket_path = Path(socket_path)
        self._server: socket.socket | None = None

    def _serve(self) -> None:
        try:
            self._server = server = localsocket.listen(self.socket_path, 4, ACCEPT_WAKE_S)
        except localsocket.AlreadyListening as exc:
            raise HardwareError(str(exc)) from exc
        self._healthy(f"simulated reader listening on {self.socket_path} (kiosk tap UID)")
        while not self.stopping.is_set():
            localsocket.serve_one(
                server, self._answer, "only the kiosk's user may tap", CLIENT_TIMEOUT_S
            )

    def _answer(self, line: str) -> str:
        command, _, argument = line.partition(" ")
        if command != "TAP":
            return "ERR expected: TAP <UID>"
        try:
            uid = normalise_uid(argument)
        except ValueError as exc:
            return f"ERR {exc}"
        self._emit(uid)
        return f"OK {uid}"

    def _release(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            localsocket.close(server, self.socket_path)


def send_tap(socket_path: Path, uid: str, timeout_s: float = CLIENT_TIMEOUT_S) -> str:
    """Present `uid` to the kiosk on `socket_path`; returns the UID as the kiosk took it. Raises
    ValueError (malformed UID), NoKioskListening, or HardwareError (the kiosk refused it)."""
    uid = normalise_uid(uid)
    try:
        answer = localsocket.request(socket_path, f"TAP {uid}", timeout_s)
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise NoKioskListening(
            f"no kiosk is listening on {socket_path}: start `kiosk run` with "
            'reader.kind = "simulated" (or check reader.socket)'
        ) from exc
    except PermissionError as exc:
        raise HardwareError(
            f"permission denied on {socket_path}: run `kiosk tap` as the kiosk's user"
        ) from exc
    if not answer.startswith("OK "):
        reason = answer.removeprefix("ERR ").strip() or "the kiosk closed the connection"
        raise HardwareError(f"the kiosk refused the tap: {reason}")
    return answer[3:]
