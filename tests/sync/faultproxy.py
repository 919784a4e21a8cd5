"""A fault-injecting HTTP proxy on loopback, between the pusher and the real records service.

Each request the pusher sends takes the next action from a script (then `pass` when the script
runs out): forward it; answer with a canned status instead; reset the connection before or after
the server has seen the request; forward and then drop the response (the server committed, the
kiosk never hears); or delay the response past the kiosk's read timeout. One request per
connection keeps the bookkeeping honest (the proxy answers with Connection: close).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from tests.sync.pg import free_port


@dataclass(frozen=True)
class Act:
    kind: str  # pass | status | reset | reset_after | drop_response | slow
    status: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    body: bytes = b'{"detail": "injected by the test proxy"}'  # what a `status` answer carries


PASS = Act("pass")


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _close_hard(conn: socket.socket) -> None:
    """Close with RST rather than FIN: what a crashed peer or a middlebox reset looks like."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _with_close(request: bytes) -> bytes:
    head, _, body = request.partition(b"\r\n\r\n")
    lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


@dataclass
class FaultProxy:
    upstream_port: int
    port: int = field(default_factory=free_port)
    script: deque[Act] = field(default_factory=deque)
    seen: list[str] = field(default_factory=list)  # the action taken per request, in order
    cut: bool = False  # the network is down: every connection is reset, whatever the script
    _sock: socket.socket | None = None
    _live: set[socket.socket] = field(default_factory=set)

    def cut_off(self) -> None:
        """The network goes down: new connections are reset, and so are those open now (a
        long-poll held at the service must not bring news across a cut)."""
        self.cut = True
        for conn in list(self._live):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.cut = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._sock = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._sock:
            self._sock.close()

    def _accept(self) -> None:
        assert self._sock is not None
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        self._live.add(conn)
        try:
            self._serve(conn)
        finally:
            self._live.discard(conn)

    def _serve(self, conn: socket.socket) -> None:
        if self.cut:
            _close_hard(conn)
            return
        request = _read_request(conn)
        if not request:
            conn.close()
            return
        act = self.script.popleft() if self.script else PASS
        self.seen.append(act.kind)
        if act.kind == "reset":
            _close_hard(conn)
            return
        if act.kind == "status":
            self._answer(conn, act)
            return
        response = self._forward(request)
        if act.kind in ("reset_after", "drop_response"):
            _close_hard(conn) if act.kind == "reset_after" else conn.close()
            return
        if act.kind == "slow":
            time.sleep(act.delay_s)
        if self.cut:  # cut while the service was answering: the answer is lost
            _close_hard(conn)
            return
        with contextlib.suppress(OSError):
            conn.sendall(response)
        conn.close()

    def _answer(self, conn: socket.socket, act: Act) -> None:
        body = act.body
        lines = [
            f"HTTP/1.1 {act.status} Injected",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "Connection: close",
        ]
        lines += [f"{k}: {v}" for k, v in act.headers]
        conn.sendall("\r\n".join(lines).encode() + b"\r\n\r\n" + body)
        conn.close()

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.upstream_port)) as up:
            up.sendall(_with_close(request))
            chunks = []
            while chunk := up.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)
