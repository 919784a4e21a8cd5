"""One-line requests over a unix socket that only the kiosk's own user may use.

The simulated badge reader (`kiosk tap`) and the UI's control channel (`kiosk screenshot`) both
listen this way, so the rules live here once: the socket file appears at its path only once it is
listening, mode 0600, and the peer's uid is checked on every connection as well; a socket file
nobody listens on is stale and replaced, one somebody listens on is refused rather than
stolen; one line each way, the answer `OK <text>` or `ERR <reason>`. Standard library only, so
the hardware layer and the UI can both use it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Callable
from pathlib import Path

MAX_LINE = 4096


class AlreadyListening(OSError):
    """Another live process is serving on the socket path: it is not ours to take over."""


def listen(path: Path, backlog: int, wake_s: float) -> socket.socket:
    """A listening socket at `path`, mode 0600; `accept` times out every `wake_s` so the serving
    loop can notice it is asked to stop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if someone_listening(path):
        raise AlreadyListening(f"another kiosk is already listening on {path}")
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a stale socket left by a kiosk that did not stop cleanly
    # Bound and made ready under a name of its own, then renamed into place: the path appears
    # only once somebody listens there, mode 0600 (a client that finds the file can connect;
    # between bind and listen it was refused, "no kiosk is running"). A tight umask instead
    # would be racy in a threaded process; the peer-uid check stays as well.
    making = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        making.unlink()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(making))
        making.chmod(0o600)
        server.listen(backlog)
        server.settimeout(wake_s)
        making.rename(path)
    except OSError:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            making.unlink()
        raise
    return server


def serve_one(
    server: socket.socket, answer: Callable[[str], str], refusal: str, timeout_s: float
) -> None:
    """Wait up to the server's wake time for one client, and answer its one line.

    `answer` gets the request line and returns the reply line; a client of another uid gets
    `ERR <refusal>` and `answer` is never called. A client that goes away is not an error.
    """
    try:
        conn, _ = server.accept()
    except TimeoutError:
        return
    with conn:
        conn.settimeout(timeout_s)
        try:
            if peer_uid(conn) != os.getuid():
                reply(conn, f"ERR {refusal}")
                return
            line = read_line(conn)
        except OSError:
            return  # the client hung up or stalled: nobody is waiting for an answer
        reply(conn, answer(line))


def close(server: socket.socket, path: Path) -> None:
    server.close()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def request(path: Path, line: str, timeout_s: float) -> str:
    """Send `line` to the server on `path` and return its answer line. Raises FileNotFoundError
    or ConnectionRefusedError (nobody listening), PermissionError (another user's socket), or
    TimeoutError; callers turn these into words for their own command."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(timeout_s)
        client.connect(str(path))
        client.sendall(line.encode() + b"\n")
        return read_line(client)


def someone_listening(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def read_line(conn: socket.socket) -> str:
    data = b""
    while b"\n" not in data and len(data) < MAX_LINE:
        chunk = conn.recv(MAX_LINE)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode("utf-8", "replace").strip()


def reply(conn: socket.socket, line: str) -> None:
    with contextlib.suppress(OSError):
        conn.sendall(line.encode() + b"\n")
