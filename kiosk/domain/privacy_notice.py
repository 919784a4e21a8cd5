"""The privacy notice a parent can be handed, written from the setting's own values.

One text for both faces: `kiosk privacy-notice` prints it for a stand-alone kiosk (from
`[privacy]` and `[retention]` in kiosk.toml), the console's printable page renders it for a
setting (from the values on its Policy page). Plain words; every period is the one in force.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

ICO_COMPLAINTS = "ico.org.uk/make-a-complaint, telephone 0303 123 1113"


@dataclass(frozen=True)
class NoticeFacts:
    setting_name: str
    controller: str
    contact: str
    dpo: str
    ico_registration: str
    lawful_basis: str
    visitor_days: int
    unknown_badge_days: int
    refused_days: int
    events_days: int
    export_days: int | None  # None: the console's setting (exports are its managers' downloads)
    backups_kept: int | None  # None: not known here (the records service's own backups)


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...]


def notice(f: NoticeFacts) -> list[Section]:
    """The notice, section by section."""
    return [_who(f), _what(), _basis(f), _how_long(f), _who_sees(), _rights(f), _breach(f)]


def plain_text(f: NoticeFacts) -> str:
    """The notice as printable text."""
    out = [f"Privacy notice: {f.setting_name}", "Signing in and out, and personal devices", ""]
    for section in notice(f):
        out += [section.heading, "-" * len(section.heading)]
        out += [textwrap.fill(line, 78, break_on_hyphens=False) for line in section.lines] + [""]
    return "\n".join(out)


def _controller(f: NoticeFacts) -> str:
    return f.controller or f.setting_name


def _contact(f: NoticeFacts) -> str:
    return f.contact or "the setting's manager, in person or at the office"


def _who(f: NoticeFacts) -> Section:
    lines = [f"{_controller(f)} is responsible for the personal data described here "
             "(the data controller).", f"Contact about your data: {_contact(f)}."]  # fmt: skip
    if f.dpo:
        lines.append(f"Our data protection officer: {f.dpo}.")
    if f.ico_registration:
        lines.append(f"Our ICO registration number: {f.ico_registration}.")
    return Section("Who we are", tuple(lines))


def _what() -> Section:
    return Section("What we hold and why", (
        "Staff: name, role, badge number, the locker used, when a shift starts and ends, which "
        "personal devices were stored, and any device taken out (the reason, who approved it, "
        "when it was due back). Why: our mobile phone policy keeps personal phones and cameras "
        "away from children, and this is its record.",
        "Visitors and parents: name, organisation, who you visited, when you signed in and out, "
        "that you read the phone notice, and whether you needed to use a phone for lone working "
        "(and the quiet space shown). Why: to know who is on site (fire roll call) and that the "
        "phone policy was explained to you.",
        "Badges tapped that we do not know, badges refused and wrong manager PINs: the badge "
        "number and the time. Why: to enrol new badges and to notice misuse.",
        "Nothing about children, no photographs, no telephone numbers or home addresses.",
    ))  # fmt: skip


def _basis(f: NoticeFacts) -> Section:
    return Section("Our lawful basis", (f"{f.lawful_basis[0].upper()}{f.lawful_basis[1:]}.",))


def _how_long(f: NoticeFacts) -> Section:
    lines = [
        f"Visitors' and parents' names, organisations and who they visited: erased "
        f"{f.visitor_days} days after the visit ends (the visit is still counted, without a name).",
        f"Unknown badges: {f.unknown_badge_days} days. Refused badges and wrong PINs: "
        f"{f.refused_days} days.",
        f"Staff shift and device records: {f.events_days} days.",
    ]
    if f.export_days is not None:
        lines.append(f"Exported files made by the manager: deleted after {f.export_days} days "
                     "where the kiosk can still reach them; a copy taken elsewhere is the "
                     "manager's to keep safe and delete.")  # fmt: skip
    else:
        lines.append("Files the manager downloads are the manager's to keep safe and to delete "
                     "when no longer needed; each download is recorded.")  # fmt: skip
    kept = f"the newest {f.backups_kept}" if f.backups_kept else "a few days of"
    lines.append(f"Backups: the kiosk keeps {kept} daily backups. When you ask us to erase your "
                 "details we erase them from every backup the kiosk holds too, and a backup "
                 "restored later is erased again before it is used.")  # fmt: skip
    return Section("How long we keep it", tuple(lines))


def _who_sees() -> Section:
    return Section("Who sees it", (
        "On the kiosk screen nobody else's name is shown to the public.",
        "Our manager sees it, and so do the people who run our records service (only what "
        "they need to keep it working). We do not share it, except when the law requires "
        "(for example with Ofsted, the local authority's safeguarding team or the police).",
    ))  # fmt: skip


def _rights(f: NoticeFacts) -> Section:
    return Section("Your rights, and how to ask", (
        "You may ask for a copy of everything we hold about you, and for it to be corrected or "
        "erased; you may object to or ask us to restrict its use.",
        f"To ask, contact {_contact(f)}. We answer within one month, free of charge. A copy "
        "lists every record about you, and where copies are kept.",
        "Erasure takes your name out of our records and backups; the records stay, without your "
        "name, so our counts remain true. A record we must keep by law may be kept; we will "
        "tell you which and why.",
        f"If you are unhappy with how we use your data, tell us first; you may also complain to "
        f"the Information Commissioner's Office: {ICO_COMPLAINTS}.",
    ))  # fmt: skip


def _breach(f: NoticeFacts) -> Section:
    return Section("If something goes wrong", (
        "If your data is lost or seen by someone who should not see it, we contain it at once "
        "and record what happened.",
        "Where it is a risk to you, we report it to the Information Commissioner's Office within "
        "72 hours; where the risk is high, we tell you directly, without delay, with what we "
        "are doing about it.",
        f"Questions: {_contact(f)}.",
    ))  # fmt: skip
