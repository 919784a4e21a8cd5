"""The composition root: the one place that picks concrete adapters and wires them together.

`open_app` gives the CLI and the kiosk the same services over the same store; hardware and UI
modules are imported only by the commands that need them, so `kiosk export` never loads Kivy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.clock import Clock, SystemClock
from kiosk.config import Config, ConfigError
from kiosk.domain.types import EventKind, PolicyError
from kiosk.errors import StoreError
from kiosk.services import KioskService, Recorded, ServiceContext
from kiosk.services.admin import AdminService
from kiosk.services.context import recorded
from kiosk.store import migrate
from kiosk.store.db import Store

if TYPE_CHECKING:
    from kiosk.store.lock import RunLock


@dataclass
class App:
    config: Config
    store: Store
    ctx: ServiceContext
    kiosk: KioskService
    admin: AdminService

    def close(self) -> None:
        self.store.close()


def open_app(config: Config, clock: Clock | None = None, *, check_schema: bool = True) -> App:
    """Open the kiosk's database and services (the schema must be current unless told not to)."""
    store = Store(config.database_path)
    try:
        if check_schema:
            migrate.check_current(store)
    except Exception:
        store.close()
        raise
    ctx = ServiceContext(store, config, clock or SystemClock())
    return App(config, store, ctx, KioskService(ctx), AdminService(ctx))


def check_integrity(config: Config) -> None:
    """Refuse a damaged database, pointing to the newest backup (for the kiosk's start-up)."""
    from kiosk.store.backup import integrity_problem, list_backups

    path = config.database_path
    if not path.exists():
        return
    problem = integrity_problem(path)
    if problem:
        newest = list_backups(config.backup_dir)
        hint = (
            f"restore the latest backup: kiosk restore {newest[0]}" if newest else "no backup found"
        )
        raise StoreError(f"database {path} is damaged ({problem}); {hint}")


def open_running(config: Config) -> tuple[App, RunLock]:
    """The app for the running kiosk, holding the run lock (one kiosk per data folder; a restore
    waits for it), after refusing a damaged database. The caller releases the lock last."""
    from kiosk.store.lock import RunLock

    lock = RunLock(config.data_dir)
    lock.acquire("start a second time")
    try:
        check_integrity(config)
        app = open_app(config)
        try:
            app.kiosk.visitors.check_notices()  # a changed notice under an old version: refuse
        except PolicyError as exc:
            app.close()
            raise ConfigError(str(exc)) from exc
        return app, lock
    except BaseException:
        lock.release()
        raise


def restore(config: Config, file: Path, clock: Clock | None = None) -> tuple[App, Recorded]:
    """Put a backup in place (the current database is set aside, not deleted), then upgrade it."""
    from kiosk.store.backup import restore_backup
    from kiosk.store.lock import RunLock

    clock = clock or SystemClock()
    with RunLock(config.data_dir) as lock:
        lock.acquire("restore a backup")
        aside = restore_backup(file, config.database_path, clock.now())
    app, _ = initialise(config, clock)
    with app.ctx.recording() as session:
        event = app.ctx.append(
            session,
            EventKind.ADMIN_RESTORE,
            payload={"file": file.name, "set_aside": aside.name if aside else None},
        )
    kept = f" The previous database is kept as {aside}." if aside else ""
    return app, recorded(event, f"Restored {file}.{kept}")


def initialise(
    config: Config, clock: Clock | None = None, *, demo: bool = False
) -> tuple[App, Recorded]:
    """Create or upgrade the database, match lockers to the config, optionally add demo people."""
    store = Store(config.database_path)
    before = migrate.current_revision(store)
    migrate.upgrade(store)
    store.close()
    app = open_app(config, clock)
    with app.ctx.recording() as session:
        app.admin.sync_lockers(session)
        event = app.ctx.append(
            session,
            EventKind.ADMIN_INIT,
            payload={"schema_from": before, "schema_to": migrate.head_revision(), "demo": demo},
        )
    if demo:
        from kiosk.demo import add_demo_people

        add_demo_people(app)
    return app, recorded(event, f"Database ready at {config.database_path}.")
