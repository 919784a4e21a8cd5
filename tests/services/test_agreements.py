"""Staff agreements at shift start: due when never acknowledged, when a new version is published,
or when the acknowledgement is older than the renewal period; put off once, recorded (issue 13)."""

from __future__ import annotations

import pytest

from kiosk.app import App
from kiosk.clock import ManualClock
from kiosk.domain.types import PolicyError
from kiosk.services.reference import apply_policy_reference
from tests.conftest import staff_id

ESAFETY = "We use the setting's devices only, and only for the children's learning."
CONFIDENTIAL = "What we learn about families stays in the setting."


def publish(app: App, esafety_version: str = "2026-09", renewal_days: int = 365) -> None:
    apply_policy_reference(app.ctx, {"agreement_renewal_days": renewal_days, "agreements": [
        {"kind": "esafety", "version": esafety_version, "text": ESAFETY},
        {"kind": "confidentiality", "version": "1", "text": CONFIDENTIAL},
    ]})  # fmt: skip


def due(app: App, who: int) -> list[tuple[str, str, bool]]:
    found = app.kiosk.agreements.due(who)  # type: ignore[arg-type]
    return [(d.agreement.kind, d.why, d.may_defer) for d in found]


def test_due_until_acknowledged_and_again_for_a_new_version(app: App, clock: ManualClock) -> None:
    ben = staff_id(app, "Ben")
    assert due(app, ben) == []  # no agreements published: nothing asked
    publish(app)
    assert due(app, ben) == [("confidentiality", "never acknowledged", True),
                             ("esafety", "never acknowledged", True)]  # fmt: skip
    app.kiosk.agreements.acknowledge(ben, "esafety", "2026-09")
    app.kiosk.agreements.acknowledge(ben, "confidentiality", "1")
    assert due(app, ben) == []
    clock.advance(3 * 86400)
    publish(app, "2026-12")  # mid-week: a new e-safety agreement
    assert due(app, ben) == [("esafety", "new version", True)]
    with pytest.raises(PolicyError, match="newer version"):
        app.kiosk.agreements.acknowledge(ben, "esafety", "2026-09")  # the old text on screen
    app.kiosk.agreements.acknowledge(ben, "esafety", "2026-12")
    assert due(app, ben) == []


def test_renewal_after_the_period(app: App, clock: ManualClock) -> None:
    ben = staff_id(app, "Ben")
    publish(app, renewal_days=30)
    app.kiosk.agreements.acknowledge(ben, "esafety", "2026-09")
    app.kiosk.agreements.acknowledge(ben, "confidentiality", "1")
    clock.advance(31 * 86400)
    assert {d[1] for d in due(app, ben)} == {"renewal"}


def test_put_off_once_only(app: App, clock: ManualClock) -> None:
    ben = staff_id(app, "Ben")
    publish(app)
    app.kiosk.agreements.acknowledge(ben, "confidentiality", "1")
    done = app.kiosk.agreements.defer(ben, "esafety")
    assert "put off once" in done.message
    assert due(app, ben) == [("esafety", "never acknowledged", False)]
    with pytest.raises(PolicyError, match="put off once already"):
        app.kiosk.agreements.defer(ben, "esafety")
    with pytest.raises(PolicyError, match="not waiting"):
        app.kiosk.agreements.defer(ben, "confidentiality")
    app.kiosk.agreements.acknowledge(ben, "esafety", "2026-09")
    clock.advance(400 * 86400)  # a year on, renewal: one deferral allowed again
    assert ("esafety", "renewal", True) in due(app, ben)


def test_a_bad_set_changes_nothing(app: App) -> None:
    publish(app)
    for bad in ({"agreements": [{"kind": "gossip", "version": "1", "text": "x"}]},
                {"agreements": [{"kind": "esafety", "version": "", "text": "x"}]},
                {"agreements": [], "agreement_renewal_days": 0}):  # fmt: skip
        with pytest.raises(PolicyError):
            apply_policy_reference(app.ctx, bad)
    assert len(app.kiosk.agreements.due(staff_id(app, "Ben"))) == 2
