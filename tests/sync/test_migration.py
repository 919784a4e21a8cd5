"""Upgrading a records database of the first release (r0001) to the console's schema keeps
everything: each kiosk becomes the kiosk of a setting of its own, its staff that setting's people,
and each manager an organisation admin who logs in with the same password. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from kiosk.sync.server import db, queries, sitestate
from kiosk.sync.server.managers import check_login, hash_password, session_for
from kiosk.sync.server.models import RecordEvent, Subject
from kiosk.sync.server.tenancy import Account, Kiosk, Person, Setting
from kiosk.sync.server.tokens import kiosk_for

EVENT = (
    "INSERT INTO events (id, kiosk_id, seq, kind, occurred_at, clock_synced, boot_id, mono_ns,"
    " subject_type, subject_id, payload, received_at) VALUES (:id, :k, :seq, 'shift.start',"
    " '2026-11-20T08:00:00+00:00', true, 'b', 1, 'staff', :sid, '{}', '2026-11-20T08:00:01+00:00')"
)
SUBJECT = (
    "INSERT INTO subjects (kiosk_id, type, id, name, role, visitor_type, organisation, visiting,"
    " erased, updated_at) VALUES (:k, :t, :i, :n, :r, :vt, :o, NULL, false, 'now')"
)
TOKEN = "kt_" + "a" * 43


def _old_service(engine: Engine) -> None:
    """What a first-release service holds: two kiosks' events and names, a token, a report
    from a third kiosk that never pushed an event, and one manager with a live session."""
    db.upgrade(engine, "r0001")
    with engine.begin() as conn:
        for n, (kiosk, staff) in enumerate([("door-a", 1), ("door-a", 2), ("door-b", 1)], 1):
            conn.execute(text(EVENT), {"id": f"{n:08d}-0000-4000-8000-000000000000",
                                       "k": kiosk, "seq": n, "sid": staff})  # fmt: skip
        for kiosk, kind, ident, name, role, vt, org in [
            ("door-a", "staff", 1, "Ben Carter", "staff", None, None),
            ("door-a", "staff", 2, "Amara Okafor", "manager", None, None),
            ("door-b", "staff", 1, "Ben Carter", "staff", None, None),
            ("door-b", "visitor", 7, "Val Visitor", None, "contractor", "Sparks Ltd"),
        ]:
            conn.execute(text(SUBJECT), {"k": kiosk, "t": kind, "i": ident, "n": name, "r": role,
                                         "vt": vt, "o": org})  # fmt: skip
        conn.execute(
            text("INSERT INTO kiosk_tokens (kiosk_id, token_sha256, created_at) "
                 "VALUES ('door-a', :d, 'then')"),
            {"d": __import__("hashlib").sha256(TOKEN.encode()).hexdigest()},
        )  # fmt: skip
        conn.execute(text("INSERT INTO kiosk_reports VALUES ('door-c', 0, 0, '[]', 'then')"))
        conn.execute(
            text("INSERT INTO managers VALUES ('amara', :h, 0, NULL, 'then')"),
            {"h": hash_password("correct horse battery")},
        )
        conn.execute(
            text("INSERT INTO web_sessions VALUES (:d, 'amara', 'csrf', '2999-01-01T00:00:00')"),
            {"d": __import__("hashlib").sha256(b"live-session").hexdigest()},
        )


def test_first_release_data_survives_the_upgrade(records_engine: Engine) -> None:
    _old_service(records_engine)
    db.upgrade(records_engine)
    db.check_current(records_engine)
    with Session(records_engine) as s:
        kiosks = {k.id: k.setting_id for k in s.scalars(select(Kiosk))}
        assert sorted(kiosks) == ["door-a", "door-b", "door-c"]
        assert len(set(kiosks.values())) == 3  # a setting each
        names = {st.id: st.name for st in s.scalars(select(Setting))}
        assert sorted(names[kiosks[k]] for k in kiosks) == ["door-a", "door-b", "door-c"]
        people = {(p.setting_id, p.name, p.role) for p in s.scalars(select(Person))}
        assert people == {
            (kiosks["door-a"], "Ben Carter", "staff"),
            (kiosks["door-a"], "Amara Okafor", "manager"),
            (kiosks["door-b"], "Ben Carter", "staff"),
        }
        for sub in s.scalars(select(Subject).where(Subject.type == "staff")):
            person = s.get(Person, sub.person_id)
            assert person is not None and person.name == sub.name
            assert person.setting_id == kiosks[sub.kiosk_id]
        visitor = s.scalars(select(Subject).where(Subject.type == "visitor")).one()
        assert (visitor.name, visitor.organisation, visitor.person_id) == (
            "Val Visitor", "Sparks Ltd", None,
        )  # fmt: skip
        assert s.scalar(select(func.count()).select_from(RecordEvent)) == 3
        account = s.scalars(select(Account)).one()
        assert (account.name, account.role) == ("amara", "admin")
    check_login(records_engine, "amara", "correct horse battery")  # the same password works
    assert session_for(records_engine, "live-session") is not None  # and nobody is logged out
    assert kiosk_for(records_engine, TOKEN) == "door-a"  # kiosks keep pushing with their tokens


def test_a_new_service_starts_empty(records_engine: Engine) -> None:
    db.upgrade(records_engine)
    with Session(records_engine) as s:
        assert s.scalar(select(func.count()).select_from(Setting)) == 0
        assert s.scalar(select(func.count()).select_from(Account)) == 0


def test_the_upgrade_builds_each_kiosks_on_site_state(records_engine: Engine) -> None:
    """r0003 folds the stored events once, so the On-site page shows the same people after the
    upgrade without folding them again: door-a's two staff and door-b's one are on shift."""
    _old_service(records_engine)
    db.upgrade(records_engine, "r0002")
    db.upgrade(records_engine)
    kept = sitestate.current(records_engine, ["door-a", "door-b", "door-c"])
    assert sorted(kept) == ["door-a", "door-b"]  # door-c has no events: nothing to keep
    for kiosk, staff in [("door-a", [1, 2]), ("door-b", [1])]:
        assert kept[kiosk] == queries.site_state(records_engine, kiosk)
        assert list(kept[kiosk].staff) == staff
