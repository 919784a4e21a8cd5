"""Secrets at rest: the self-describing scrypt format, the older formats still read and upgraded
at the next right PIN or password, stored parameters that would exhaust memory refused, and PIN
lockouts that double while the guessing goes on."""

from __future__ import annotations

import base64
import hashlib

import pytest
from sqlalchemy import select

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import EventKind, PolicyError
from kiosk.security import CURRENT, Scrypt, hash_secret, needs_rehash, verify_secret
from kiosk.store.models import Event, Staff
from tests.conftest import MANAGER_PIN, staff_id


def legacy_kiosk_hash(pin: str) -> str:
    salt = b"s" * 16
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    b64 = base64.b64encode
    return f"scrypt$16384$8$1${b64(salt).decode()}${b64(digest).decode()}"


def legacy_console_hash(password: str) -> str:
    salt = b"t" * 16
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def test_a_new_hash_names_its_algorithm_and_cost() -> None:
    stored = hash_secret("258036")
    algorithm, params, salt, digest = stored.split("$")
    assert (algorithm, params) == ("scrypt", "ln=17,r=8,p=1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert CURRENT.ln >= 17 and CURRENT.memory_bytes == 128 * 2**20
    assert verify_secret("258036", stored) and not verify_secret("258037", stored)
    assert not needs_rehash(stored)


@pytest.mark.parametrize("make", [legacy_kiosk_hash, legacy_console_hash])
def test_older_formats_still_verify_and_ask_to_be_rehashed(make: object) -> None:
    stored = make("a secret 1357")  # type: ignore[operator]
    assert verify_secret("a secret 1357", stored) and not verify_secret("a secret 1358", stored)
    assert needs_rehash(stored)


def test_a_cheaper_self_describing_hash_asks_to_be_rehashed() -> None:
    stored = hash_secret("482615", Scrypt(ln=15))
    assert verify_secret("482615", stored) and needs_rehash(stored)


@pytest.mark.parametrize(
    "stored",
    ["scrypt$ln=30,r=8,p=1$c2FsdA==$aGFzaA==", "scrypt$1073741824$8$1$c2FsdA==$aGFzaA==",
     "scrypt$ln=17,r=64,p=1$c2FsdA==$aGFzaA==", "bcrypt$x", "scrypt$ln=x$y$z", "", "scrypt$$$"],
)  # fmt: skip
def test_malformed_or_monstrous_hashes_never_match_and_cost_nothing(
    stored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(k) or real(*a, **k))
    assert not verify_secret("258036", stored)
    assert not needs_rehash(stored)
    assert calls == []  # refused before any scrypt was run (2**30 would want 1 TiB)


def pin_hash(app: App, name: str) -> str:
    with app.ctx.reading() as session:
        row = session.get(Staff, staff_id(app, name))
        assert row is not None and row.pin_hash is not None
        return row.pin_hash


def set_pin_hash(app: App, name: str, stored: str) -> None:
    with app.ctx.recording() as session:
        row = session.get(Staff, staff_id(app, name))
        assert row is not None
        row.pin_hash = stored


def test_an_old_pin_hash_is_upgraded_at_the_next_right_pin(app: App) -> None:
    amara = staff_id(app, "Amara")
    set_pin_hash(app, "Amara", legacy_kiosk_hash(MANAGER_PIN))
    with pytest.raises(PolicyError, match="not right"):
        app.kiosk.approvals.verify(amara, "135792")
    assert pin_hash(app, "Amara").startswith("scrypt$16384$")  # a wrong PIN changes nothing
    app.kiosk.approvals.verify(amara, MANAGER_PIN)
    upgraded = pin_hash(app, "Amara")
    assert upgraded.startswith("scrypt$ln=17,r=8,p=1$") and verify_secret(MANAGER_PIN, upgraded)
    with app.ctx.reading() as session:
        granted = session.scalars(
            select(Event.payload).where(Event.kind == EventKind.APPROVAL_GRANTED.value)
        ).one()
    assert granted == {"purpose": "approval", "hash_upgraded": True}


def test_an_existing_four_digit_pin_keeps_working(app: App) -> None:
    set_pin_hash(app, "Amara", legacy_kiosk_hash("4826"))
    app.kiosk.approvals.verify(staff_id(app, "Amara"), "4826")


def wrong_round(app: App) -> None:
    amara = staff_id(app, "Amara")
    for _ in range(app.config.policy.pin_max_failures):
        with pytest.raises(PolicyError, match="not right"):
            app.kiosk.approvals.verify(amara, "135792")


def test_lockouts_double_while_the_guessing_goes_on(app: App, clock: ManualClock) -> None:
    amara, base = staff_id(app, "Amara"), app.config.policy.pin_lockout_s
    wrong_round(app)
    with pytest.raises(PolicyError, match="locked for 15 more minutes"):
        app.kiosk.approvals.verify(amara, MANAGER_PIN)
    clock.advance(base)
    wrong_round(app)
    with pytest.raises(PolicyError, match="locked for 30 more minutes"):
        app.kiosk.approvals.verify(amara, MANAGER_PIN)
    clock.advance(2 * base)
    app.kiosk.approvals.verify(amara, MANAGER_PIN)  # a right PIN ends the run of lockouts
    wrong_round(app)
    with pytest.raises(PolicyError, match="locked for 15 more minutes"):
        app.kiosk.approvals.verify(amara, MANAGER_PIN)
    with app.ctx.reading() as session:
        locks = session.scalars(
            select(Event.payload["lockout_s"]).where(
                Event.kind == EventKind.APPROVAL_REFUSED.value, Event.payload["locked"].as_boolean()
            )
        )
        assert list(locks) == [base, 2 * base, base]
