"""The real records service for tests: uvicorn serving `create_app` in a thread on a free
loopback port, on a fresh SQLite file or a fresh PostgreSQL database."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import uvicorn
from sqlalchemy import Engine

from kiosk.sync.server import db
from kiosk.sync.server.app import Settings, create_app
from kiosk.sync.server.tokens import add_token
from tests.sync.pg import free_port


@dataclass
class Running:
    engine: Engine
    port: int
    server: uvicorn.Server
    thread: threading.Thread
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, kiosk_id: str) -> str:
        if kiosk_id not in self.tokens:
            self.tokens[kiosk_id] = add_token(self.engine, kiosk_id)
        return self.tokens[kiosk_id]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(
    engine: Engine,
    settings: Settings | None = None,
    port: int | None = None,
    *,
    lifespan: bool = False,
) -> Running:
    """Start the service; with `lifespan`, its start-up tasks (the daily retention) run too."""
    db.upgrade(engine)
    app = create_app(engine, settings or Settings())
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port or free_port(),
        log_level="warning",
        lifespan="on" if lifespan else "off",
        ws="none",
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,  # a long-poll still held at stop is cancelled, not awaited
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("records service did not start")
        time.sleep(0.01)
    return Running(engine, config.port, server, thread)
