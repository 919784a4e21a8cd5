"""Today's approved virtual observations, for the manager's screen at the kiosk: when, who (and
their organisation), and who of the setting will be present. Nothing about the child."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kiosk.services.context import ServiceContext
from kiosk.store.models import Observation


@dataclass(frozen=True)
class ObservationLine:
    at_time: str
    professional: str
    organisation: str
    present: str


def todays_observations(ctx: ServiceContext) -> list[ObservationLine]:
    today = ctx.clock.now().astimezone(ctx.tz).date().isoformat()
    with ctx.reading() as session:
        rows = session.scalars(
            select(Observation).where(Observation.on_date == today).order_by(Observation.at_time)
        )
        return [ObservationLine(r.at_time, r.professional, r.organisation, r.present) for r in rows]
