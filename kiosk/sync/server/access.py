"""The records service's access log: one line per request with its method, path, status and time,
and never its query string or headers.

It replaces uvicorn's access log, which writes the whole URL: the manager's event filters put
names in the query string (`/manager/events?person=Ben+Carter`), and docs/privacy.md promises
that logs hold none. Headers (the kiosks' bearer tokens, the session cookie) were never logged and
are not here. The path is written as the client sent it (percent-encoded) and made printable, so
no request can forge a line of its own.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = "kiosk.records.access"
log = logging.getLogger(LOGGER)
MAX_PATH = 200


class AccessLog:
    """ASGI middleware: log each HTTP request once it has been answered (or has failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]  # what the client gets if the app fails before it answers

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %d %.0f ms", scope["method"], path_of(scope), status[0], ms)


def path_of(scope: Scope) -> str:
    """The request's path without its query string, printable, at most MAX_PATH characters."""
    raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "replace")
    text = raw.split(b"?", 1)[0].decode("ascii", "backslashreplace")[:MAX_PATH]
    return "".join(c if c.isprintable() else "?" for c in text)
