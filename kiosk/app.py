"""The composition root: the one place that picks concrete adapters and wires them together.

`open_app` gives the CLI and the kiosk the same services over the same store; hardware and UI
modules are imported only by the commands that need them, so `kiosk export` never loads Kivy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from kiosk.clock import Clock, SystemClock
from kiosk.config import Config, ConfigError
from kiosk.domain.types import EventKind, PolicyError
from kiosk.errors import StoreError
from kiosk.services import KioskService, Recorded, ServiceContext
from kiosk.services.admin import AdminService
from kiosk.services.context import recorded
from kiosk.store import migrate
from kiosk.store.db import Store

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from kiosk.store.lock import RunLock


@dataclass
class App:
    config: Config  # in effect: the file's, with the setting's own values on a managed kiosk
    store: Store
    ctx: ServiceContext
    kiosk: KioskService
    admin: AdminService
    file_config: Config | None = None

    def close(self) -> None:
        self.store.close()

    def refresh_setting(self) -> bool:
        """Take up a snapshot `kiosk sync` applied since (its staff and badges are read at each
        tap anyway; this is its policy values and notice). True when something changed."""
        try:
            config, version = setting_in_effect(self.store, self.file_config or self.config)
        except (StoreError, SQLAlchemyError, ConfigError) as exc:
            # The kiosk keeps running on what it has; the next interval tries again.
            log.warning("setting not taken up: %s", type(exc).__name__)
            return False
        if version == self.ctx.setting_version and config == self.config:
            return False
        self.config = self.ctx.config = config
        self.ctx.setting_version = version
        return True


def setting_in_effect(store: Store, config: Config) -> tuple[Config, int | None]:
    """The config in effect and the snapshot version: a kiosk is managed when it has a records
    service and has applied its setting's snapshot; else the file alone (stand-alone)."""
    from kiosk.store.roster import applied, effective

    if not config.sync.url:
        return config, None
    with store.reading() as session:
        row = applied(session)
        return effective(config, row), row.version if row else None


def open_app(config: Config, clock: Clock | None = None, *, check_schema: bool = True) -> App:
    """Open the kiosk's database and services (the schema must be current unless told not to)."""
    store = Store(config.database_path)
    try:
        if check_schema:
            migrate.check_current(store)
    except Exception:
        store.close()
        raise
    try:
        in_effect, version = setting_in_effect(store, config) if check_schema else (config, None)
    except Exception:
        store.close()
        raise
    ctx = ServiceContext(store, in_effect, clock or SystemClock(), setting_version=version)
    return App(in_effect, store, ctx, KioskService(ctx), AdminService(ctx), config)


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
    """Put a backup in place (the current database is set aside, not deleted), erase again
    everyone on the erasure ledger and apply retention before anything reads it, then upgrade."""
    from kiosk.store.backup import restore_backup
    from kiosk.store.erasures import read_ledger, scrub_file
    from kiosk.store.lock import RunLock
    from kiosk.store.models import stored_time

    clock = clock or SystemClock()
    with RunLock(config.data_dir) as lock:
        lock.acquire("restore a backup")
        ledger = read_ledger(config.database_path)
        aside = restore_backup(file, config.database_path, clock.now())
        erased = scrub_file(config.database_path, ledger, stored_time(clock.now()))
    app, _ = initialise(config, clock)
    with app.ctx.recording() as session:
        event = app.ctx.append(
            session,
            EventKind.ADMIN_RESTORE,
            payload={"file": file.name, "set_aside": aside.name if aside else None,
                     "erased_again": erased},
        )  # fmt: skip
    _purge_after_restore(app)
    kept = f" The previous database is kept as {aside}." if aside else ""
    again = (
        f" {erased} erasure(s) made since that backup were applied again before use"
        " (the erasure ledger)."
        if erased
        else " Every erasure on the ledger was already in it."
    )
    return app, recorded(event, f"Restored {file}.{again}{kept}")


def _purge_after_restore(app: App) -> None:
    """A backup holds details retention has since erased: erase them again now, not tonight."""
    from kiosk.retention import RetentionService

    RetentionService(app.ctx).purge()


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
