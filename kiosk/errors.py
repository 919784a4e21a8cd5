"""The failures every layer above the store names: a database that cannot be used, and an action
that could not be saved. Kept apart from the store and the services (and their SQLAlchemy) so the
command line can catch them without loading either: `kiosk --help` stays quick."""

from __future__ import annotations

NOT_RECORDED = "Not recorded. Please try again, or see the manager."


class StoreError(RuntimeError):
    """The database cannot be used; the message says what to do."""


class NotRecorded(RuntimeError):
    """The action could not be saved (disk full, database error); nothing was recorded."""

    def __init__(self, detail: str) -> None:
        super().__init__(NOT_RECORDED)
        self.detail = detail
