"""The visitor side: sign in after the notice, sign out by finding oneself by name.

Personal details go into the `visitors` row; the events carry only what is not personal (type,
notice version, lone-working answer, the quiet space shown), so erasing a visitor keeps the counts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.names import fold
from kiosk.domain.notices import DayNotice, check_same_text, fingerprint
from kiosk.domain.types import EventKind, PolicyError, VisitorId, VisitorType
from kiosk.domain.visits import VisitorMatch, VisitorSearch, decide_sign_in, search_visitors
from kiosk.services.context import Recorded, ServiceContext, mark_on_behalf, recorded
from kiosk.store.events import load_site_state
from kiosk.store.models import EventNotice, NoticeText, Visitor


class VisitorService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def notice_version(self) -> str:
        return self.ctx.config.notice.version

    def notice_version_in(self, language: str) -> str:
        """The version of the notice as shown in `language` (each translation has its own)."""
        notice = self.ctx.config.notice
        return notice.versions.get(language, notice.version)

    def notice_text_in(self, language: str) -> str:
        """The setting's own words in `language` (a translation of the default notice is the
        kiosk's, made from the English text, so the English text stands for it)."""
        notice = self.ctx.config.notice
        return notice.texts.get(language, notice.text)

    def check_notices(self) -> None:
        """At start-up: every offered language's notice text still matches its version."""
        with self.ctx.recording() as session:
            for language in {"en", *self.ctx.config.kiosk.languages}:
                self._same_text(session, language)

    def _same_text(self, session: Session, language: str) -> None:
        version, text = self.notice_version_in(language), self.notice_text_in(language)
        known = session.get(NoticeText, (version, language))
        check_same_text(version, language, known.sha256 if known else None, text)
        if known is None:
            session.add(NoticeText(version=version, language=language, sha256=fingerprint(text),
                                   first_seen_at=self.ctx.clock.now()))  # fmt: skip

    def day_notice(self) -> DayNotice | None:
        """Today's event-day notice (local date), shown instead of the usual one, if any."""
        today = self.ctx.clock.now().astimezone(self.ctx.tz).date()
        with self.ctx.reading() as session:
            row = session.get(EventNotice, today.isoformat())
            return DayNotice(today, row.title, row.version, row.text) if row else None

    def _notice_shown(self, session: Session, language: str) -> tuple[str, str]:
        """(version, which notice) acknowledged now, its text checked against its version."""
        day = self.day_notice()
        if day is None:
            self._same_text(session, language)
            return self.notice_version_in(language), "usual"
        known = session.get(NoticeText, (day.version, "event"))
        check_same_text(day.version, "event", known.sha256 if known else None, day.text)
        if known is None:
            session.add(NoticeText(version=day.version, language="event",
                                   sha256=fingerprint(day.text),
                                   first_seen_at=self.ctx.clock.now()))  # fmt: skip
        return day.version, f"event: {day.title}"

    def sign_in(
        self,
        visitor_type: VisitorType,
        name: str,
        organisation: str,
        visiting: str,
        *,
        acknowledged: bool,
        lone_working: bool,
        on_behalf: str | None = None,
        language: str = "en",
    ) -> Recorded:
        notice = self.ctx.config.notice
        if language not in self.ctx.config.kiosk.languages and language != "en":
            raise PolicyError(f"This kiosk does not offer the language {language!r}.")
        decision = decide_sign_in(
            visitor_type, name, organisation, visiting,
            acknowledged=acknowledged, notice_version=self.notice_version_in(language),
            lone_working=lone_working, quiet_space=notice.quiet_space,
        )  # fmt: skip
        details = decision.details
        with self.ctx.recording() as session:
            version, which = self._notice_shown(session, language)
            row = Visitor(
                visitor_type=details.visitor_type.value,
                name=details.name,
                organisation=details.organisation or None,
                visiting=details.visiting or None,
                signed_in_at=self.ctx.clock.now(),
            )
            session.add(row)
            session.flush()
            payload: dict[str, object] = {
                "visitor_type": details.visitor_type.value,
                "notice_version": version,
                "notice": which,
                "notice_language": language,
                "lone_working": decision.lone_working,
                "quiet_space": decision.quiet_space,
            }
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.VISITOR_IN, visitor_id=row.id, payload=payload
            )
        first = details.name.split()[0]
        return recorded(event, f"Thank you, {first}. You are signed in.")

    def find(self, typed: str) -> list[VisitorMatch]:
        """Visitors on site matching the letters typed (never a full list)."""
        return self.search(typed).matches

    def search(self, typed: str) -> VisitorSearch:
        """Visitors on site matching the letters typed, or that too many match."""
        with self.ctx.reading() as session:
            on_site = list(load_site_state(session).visitors)
            names = session.execute(select(Visitor.id, Visitor.name).where(Visitor.id.in_(on_site)))
            pairs = [(VisitorId(vid), name) for vid, name in names if name]
        return self._search(typed, pairs)

    def search_returning(self, typed: str) -> VisitorSearch:
        """Visitors who signed in within the retention period and are not on site now, once
        per name (their latest visit), found as sign-out finds people: first name and initial."""
        with self.ctx.reading() as session:
            on_site = set(load_site_state(session).visitors)
            rows = session.execute(
                select(Visitor.id, Visitor.name)
                .where(self._kept(), Visitor.name.is_not(None))
                .order_by(Visitor.signed_in_at.desc(), Visitor.id.desc())
            )
            latest: dict[str, tuple[VisitorId, str]] = {}
            for vid, name in rows:
                if name and fold(name) not in latest:
                    latest[fold(name)] = (VisitorId(vid), name)
        return self._search(typed, [p for p in latest.values() if p[0] not in on_site])

    def sign_in_again(
        self, visitor_id: VisitorId, *, lone_working: bool, language: str = "en"
    ) -> Recorded:
        """Sign a returning visitor in with the details of their earlier visit."""
        with self.ctx.reading() as session:
            row = session.get(Visitor, visitor_id)
            kept = session.scalar(select(Visitor.id).where(Visitor.id == visitor_id, self._kept()))
            if row is None or row.name is None or kept is None:
                raise PolicyError("That visit is no longer kept. Please sign in as a new visitor.")
            earlier = (VisitorType(row.visitor_type), row.name, row.organisation, row.visiting)
        visitor_type, name, organisation, visiting = earlier
        return self.sign_in(
            visitor_type, name, organisation or "", visiting or "",
            acknowledged=True, lone_working=lone_working, language=language,
        )  # fmt: skip

    def type_of(self, visitor_id: VisitorId) -> VisitorType:
        with self.ctx.reading() as session:
            row = session.get(Visitor, visitor_id)
            if row is None:
                raise PolicyError("There is no such visitor.")
            return VisitorType(row.visitor_type)

    def _kept(self) -> Any:
        """Visitors whose details retention has not yet erased (nor is about to)."""
        days = self.ctx.config.retention.visitor_details_days
        cutoff = self.ctx.clock.now() - timedelta(days=days)
        return (Visitor.signed_in_at >= cutoff) & Visitor.erased_at.is_(None)

    def _search(self, typed: str, people: list[tuple[VisitorId, str]]) -> VisitorSearch:
        policy = self.ctx.config.policy
        return search_visitors(
            typed, people, min_chars=policy.visitor_search_min_chars,
            max_results=policy.visitor_search_max_results,
        )  # fmt: skip

    def sign_out(self, visitor_id: VisitorId, *, on_behalf: str | None = None) -> Recorded:
        with self.ctx.recording() as session:
            if visitor_id not in load_site_state(session).visitors:
                raise PolicyError("That visitor is not signed in.")
            payload: dict[str, object] = {}
            mark_on_behalf(payload, on_behalf)
            event = self.ctx.append(
                session, EventKind.VISITOR_OUT, visitor_id=visitor_id, payload=payload
            )
        return recorded(event, "Thank you for visiting. You are signed out. Goodbye!")
