"""Manager mode, after badge and PIN: who is on site, devices out and overdue, unknown badges to
enrol, recording for someone without their badge, and sync status. The export is in `export`.

The manager's approval is kept on the root for the visit (`kiosk.manager`) and dropped on the way
home; actions recorded for others carry the manager's name as `recorded_by`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.domain.endofday import SIGN_OUT_REASONS
from kiosk.domain.types import StaffId, VisitorId
from kiosk.services.approvals import Approval
from kiosk.services.observations import todays_observations
from kiosk.services.rollcall import DeviceLine, ExceptionLine, RollCall
from kiosk.ui.journey import for_behalf
from kiosk.ui.root import KioskScreen

RED = "b00d0d"


class ManagerMenuScreen(KioskScreen):
    title = StringProperty("")
    sync_text = StringProperty("")
    badges_text = StringProperty("")
    late_text = StringProperty("")
    exceptions_text = StringProperty("")

    def enter(self, **data: Any) -> None:
        if "approval" in data:
            self.kiosk.manager = data["approval"]
        approval: Approval = self.kiosk.manager
        self.title = f"Manager: {approval.approver.name}"
        self.sync_text = sync_line(self.kiosk.app.kiosk.roll_call.status()["sync"])
        unknown = len(self.kiosk.app.admin.unknown_badges())
        self.badges_text = f"Unknown badges ({unknown})"
        late = len(self.kiosk.app.kiosk.end_of_day.still_in())
        self.late_text = f"Visitors still in after closing ({late})"
        still_open = len(self.kiosk.app.kiosk.roll_call.now().exceptions)
        self.exceptions_text = f"Not back at shift end ({still_open})"

    def on_site(self) -> None:
        roll = self.kiosk.app.kiosk.roll_call.now()
        self.kiosk.show("manager_list", title="On site now", body=on_site_text(roll, self.hhmm))

    def devices_out(self) -> None:
        roll = self.kiosk.app.kiosk.roll_call.now()
        body = devices_out_text(roll, self.hhmm, self.kiosk.app.ctx.local_day_hhmm)
        self.kiosk.show("manager_list", title="Devices out and overdue", body=body)

    def observations(self) -> None:
        found = todays_observations(self.kiosk.app.ctx)
        lines = [f"[b]{o.at_time}[/b] {esc(o.professional)} ({esc(o.organisation)}), with "
                 f"{esc(o.present)}. Secure location declared; parent permission confirmed; "
                 "[b]not to be recorded[/b]." for o in found]  # fmt: skip
        lines = lines or ["None approved for today."]
        title = "Today's virtual observations"
        self.kiosk.show("manager_list", title=title, body="\n".join(lines))

    def hhmm(self, moment: Any) -> str:
        return self.kiosk.local_time(moment)

    def unknown_badges(self) -> None:
        badges = self.kiosk.app.admin.unknown_badges()
        options = [
            (f"{b.uid}\n{self.hhmm(b.last_seen)}, {b.times}×", lambda uid=b.uid: self._enrol(uid))
            for b in badges
        ]
        hint = "Tap the badge to enrol." if badges else "No unknown badges have been tapped."
        self.kiosk.show("manager_pick", title="Unknown badges", hint=hint, options=options)

    def open_exceptions(self) -> None:
        """Devices not back when their owner's shift ended: tapping one closes it."""
        found = self.kiosk.app.kiosk.roll_call.now().exceptions
        options = [
            (f"{x.name}: {x.device}\nshift ended {self.kiosk.app.ctx.local_day_hhmm(x.since)}",
             lambda x=x: self._close(x))
            for x in found
        ]  # fmt: skip
        hint = "Tap one when the device is accounted for." if found else "None open."
        self.kiosk.show("manager_pick", title="Not back at shift end", hint=hint, options=options)

    def _close(self, line: ExceptionLine) -> None:
        approval: Approval = self.kiosk.manager
        self.kiosk.attempt(
            lambda: self.kiosk.app.kiosk.close_exception(
                StaffId(line.staff_id), line.device, approval, note="closed at the kiosk"
            ),
            lambda done: self.kiosk.confirm(done, after="manager_menu"),
        )

    def _enrol(self, uid: str) -> None:
        def enrol(staff_id: int) -> None:
            self.kiosk.attempt(
                lambda: self.kiosk.app.admin.enrol_badge(StaffId(staff_id), uid),
                lambda done: self.kiosk.confirm(done, after="manager_menu"),
            )

        self._pick_person(f"Whose badge is {uid}?", enrol)

    def behalf(self) -> None:
        manager = self.kiosk.manager.approver.name

        def record_for(staff_id: int) -> None:
            case = for_behalf(self.kiosk.app, staff_id, manager)
            self.kiosk.show("on_shift" if case.on_shift else "shift_start", case=case)

        self._pick_person("Record for whom?", record_for)

    def late_visitors(self) -> None:
        """Visitors signed in before a closing time now past: sign each out, saying why."""
        late = self.kiosk.app.kiosk.end_of_day.still_in()
        options = [
            (f"{v.name} ({v.visitor_type})\nsince {self.day_hhmm(v.since)}",
             lambda vid=v.visitor_id, name=v.name: self._why(vid, name))
            for v in late
        ]  # fmt: skip
        hint = "Tap a visitor to sign them out." if late else "Nobody is left signed in."
        self.kiosk.show("manager_pick", title="Still in after closing", hint=hint, options=options)

    def _why(self, visitor_id: VisitorId, name: str) -> None:
        end_of_day, manager = self.kiosk.app.kiosk.end_of_day, self.kiosk.manager.approver.name

        def sign_out(reason: str) -> None:
            self.kiosk.attempt(
                lambda: end_of_day.sign_out(visitor_id, reason, manager),
                lambda done: self.kiosk.confirm(done, f"{name} signed out.", after="manager_menu"),
            )

        options = [(r, lambda r=r: sign_out(r)) for r in SIGN_OUT_REASONS]
        self.kiosk.show("manager_pick", title=f"Why sign out {name}?", hint="", options=options)

    def day_hhmm(self, moment: Any) -> str:
        return f"{moment.astimezone(self.kiosk.app.ctx.tz):%a %d %b} {self.hhmm(moment)}"

    def _pick_person(self, title: str, then: Callable[[int], None]) -> None:
        people = self.kiosk.app.admin.list_staff()
        options = [(p.name, lambda sid=p.staff_id: then(sid)) for p in people]
        self.kiosk.show("manager_pick", title=title, hint="", options=options)


class ManagerListScreen(KioskScreen):
    title = StringProperty("")
    body = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.title, self.body = str(data["title"]), str(data["body"])

    def clear(self) -> None:
        self.title = self.body = ""


class ManagerPickScreen(KioskScreen):
    title = StringProperty("")
    hint = StringProperty("")

    def enter(self, **data: Any) -> None:
        self.title, self.hint = str(data["title"]), str(data.get("hint", ""))
        grid = self.ids.options
        grid.clear_widgets()
        for label, action in data["options"]:
            button = Factory.PlainButton(text=label, font_size="20sp")
            button.bind(on_release=lambda _w, act=action: act())
            grid.add_widget(button)

    def clear(self) -> None:
        self.title = self.hint = ""
        self.ids.options.clear_widgets()


def sync_line(sync: dict[str, Any]) -> str:
    if not sync["enabled"]:
        return "Sync: off (no records service configured)"
    line = f"Sync: {sync['pending']} waiting, {sync['sent']} sent"
    if sync["dead"]:
        return f"{line}, [color={RED}][b]{sync['dead']} refused — see kiosk status[/b][/color]"
    return line


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")


def on_site_text(roll: RollCall, hhmm: Callable[[Any], str]) -> str:
    lines = [f"[b]Staff ({len(roll.staff)})[/b]"]
    for s in roll.staff:
        stored = ", ".join(s.stored) or "no devices"
        where = f"locker {s.locker}: {stored}" if s.locker else stored
        out = "".join(f"; {_out(d, hhmm)}" for d in s.out)
        lines.append(f"{esc(s.name)} — since {hhmm(s.since)} — {esc(where)}{out}")
    lines.append(f"\n[b]Visitors ({len(roll.visitors)})[/b]")
    for v in roll.visitors:
        org = f", {v.organisation}" if v.organisation else ""
        lone = f"  [color={RED}][b]LONE WORKING (quiet space)[/b][/color]" if v.lone_working else ""
        lines.append(f"{esc(v.name)} ({v.visitor_type}{esc(org)}) — since {hhmm(v.since)}{lone}")
    return "\n".join(lines)


def devices_out_text(roll: RollCall, hhmm: Callable[[Any], str], day: Callable[[Any], str]) -> str:
    lines = ["[b]Devices out now (staff's own, personal)[/b]"]
    lines += [f"{esc(s.name)}: {_out(d, hhmm)}" for s in roll.staff for d in s.out] or ["None."]
    lines.append("\n[b]Overdue[/b]")
    lines += [
        f"[color={RED}]{esc(o.name)}: {o.device} ({o.kind}), due {hhmm(o.due)}[/color]"
        for o in roll.overdue
    ] or ["None."]
    lines.append("\n[b]The setting's cameras and tablets signed out[/b]")
    lines += [
        f"{esc(e.name)}: {esc(e.label)} ({e.kind}, {e.purpose.replace('_', ' ')}) since "
        f"{day(e.since)}" + (f" [color={RED}][b]OVERDUE: {e.late}[/b][/color]" if e.late else "")
        for e in roll.equipment
    ] or ["None."]
    lines.append("\n[b]Not back at shift end (open until a manager closes it)[/b]")
    lines += [
        f"[color={RED}]{esc(x.name)}: {x.device}, shift ended {day(x.since)}[/color]"
        for x in roll.exceptions
    ] or ["None."]
    return "\n".join(lines)


def _out(d: DeviceLine, hhmm: Callable[[Any], str]) -> str:
    due = f", back by {hhmm(d.expected_return)}" if d.expected_return else ""
    late = f" [color={RED}][b]OVERDUE[/b][/color]" if d.overdue else ""
    by = f", approved by {esc(d.approver)}" if d.approver else ""
    return f"{d.device} out ({d.reason.replace('_', ' ')}{due}{by}){late}"
