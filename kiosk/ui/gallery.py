"""`make screenshots`: every screen of the kiosk, rendered offscreen to PNG files.

Runs the real screens on a throwaway demo database with a fixed morning clock, fills each with
the data a person would see at that step, and saves the window. Usage:
`python -m kiosk.ui.gallery OUT_DIR [--size 800x480]`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.ui import env

MORNING = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)
BEN, AMARA = "5A3F9C21", "04A1B2C3D4E5F6"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="800x480")
    parser.add_argument(
        "--languages", default="", help="'all' or codes (pl,ar): the visitor screens in each"
    )
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    # Kivy's log through Python's: else Kivy swallows a failing screen's traceback.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    env.prepare(headless=True, size=(width, height))
    from kiosk.config_bounds import LANGUAGES

    languages = list(LANGUAGES) if args.languages == "all" else args.languages.split(",")
    with tempfile.TemporaryDirectory() as data:
        render_all(args.out, Path(data), [code for code in languages if code])


# The visitor's journey: the screens rendered again in each language.
VISITOR_STEPS = (
    "11-visitor-notice", "12-lone-working", "13-quiet-space", "14-visitor-name",
    "15-visitor-agree", "16-visitor-returning", "23-language", "24-visitor-done",
)  # fmt: skip


def render_all(out: Path, data: Path, languages: list[str] | None = None) -> None:
    """Every screen in English into `out`; with `languages`, only the visitor's journey, in
    each language, into `out/<code>/`."""
    from kivy.core.window import Window

    from kiosk.app import initialise
    from kiosk.clock import ManualClock
    from kiosk.config import Config, KioskSection
    from kiosk.config_bounds import LANGUAGES
    from kiosk.hardware.reader import ReaderHealth
    from kiosk.ui import fit
    from kiosk.ui.ports import Ports
    from kiosk.ui.root import KioskRoot

    app, _ = initialise(
        Config(kiosk=KioskSection(data_dir=str(data), languages=list(LANGUAGES))),
        ManualClock(MORNING),
        demo=True,
    )
    stick = data / "KINGSTON"
    stick.mkdir()
    _open_window(app.config)
    root = KioskRoot(Ports(app, drives=lambda: [stick]))
    root.ports.reader_health = ReaderHealth.OK
    Window.add_widget(root)
    unfit: list[str] = []
    shots = [("en", out, name, setup) for name, setup in steps(root, app).items()]
    if languages:
        shots = [(code, out / code, name, setup) for code in languages
                 for name, setup in steps(root, app).items() if name in VISITOR_STEPS]  # fmt: skip
    for code, folder, name, setup in shots:
        root.language = code
        try:
            setup()
        except Exception:  # say which screen failed
            traceback.print_exc()
            raise SystemExit(f"gallery: could not render {code}/{name}") from None
        _save(folder / f"{name}.png")
        print(folder / f"{name}.png")
        found = fit.problems(root.current_screen, Window.size)
        unfit += [f"{code}/{name}: {problem}" for problem in found]
    app.close()
    if unfit:
        raise SystemExit("gallery: screens that do not fit the panel:\n  " + "\n  ".join(unfit))


def _agreement(root: Any, app: Any) -> Callable[[], None]:
    """An e-safety agreement due before Ben's shift starts (then none, for the later screens)."""

    def go() -> None:
        from kiosk.domain.agreements import Agreement, Due
        from kiosk.ui.journey import from_tap

        text = (
            "I use only the setting's own cameras and tablets with the children, and only "
            "for their learning journals and displays. I keep my own phone in my locker."
        )
        agreement = Agreement("esafety", "2026-12", text)
        app.ctx.clock.advance(60)  # past the debounce of the tap before
        case = from_tap(app.kiosk.tap(BEN))
        root.show("agreement", case=case, due=[Due(agreement, "new version", True)])

    return go


def _equipment(root: Any, app: Any) -> Callable[[], None]:
    """The setting's cameras and tablets, one of them already signed out to someone else."""

    def go() -> None:
        from kiosk.domain.equipment import Purpose
        from kiosk.services.reference import apply_policy_reference

        apply_policy_reference(app.ctx, {"equipment": [
            {"id": 1, "kind": "camera", "label": "Camera 1", "tag_uid": "E0C0FFEE"},
            {"id": 2, "kind": "tablet", "label": "Tablet A"},
            {"id": 3, "kind": "camera", "label": "Camera 2"},
        ]})  # fmt: skip
        case = root.get_screen("on_shift").case
        ben = app.kiosk.tap(BEN).staff.staff_id
        if not app.kiosk.roll_call.now().staff_ids() & {ben}:
            app.kiosk.start_shift(ben, [], no_device=True)
        app.kiosk.equipment.sign_out(ben, 3, Purpose.DISPLAY)
        root.show("equipment", case=case)

    return go


def steps(root: Any, app: Any) -> dict[str, Callable[[], None]]:
    from kiosk.domain.types import ApprovalPurpose, VisitorType
    from kiosk.ui.visitor import VisitorCase

    def tap(uid: str) -> Callable[[], None]:
        def go() -> None:
            app.ctx.clock.advance(60)
            root.present_badge(uid)

        return go

    def shift_then(uid: str, devices: list[str]) -> Callable[[], None]:
        def go() -> None:
            staff = app.kiosk.tap(uid).staff
            app.kiosk.start_shift(staff.staff_id, devices, no_device=not devices, locker="2")
            tap(uid)()

        return go

    def visitor(screen: str, **data: Any) -> Callable[[], None]:
        def go() -> None:
            root.visitor = VisitorCase(VisitorType.VISITOR, True, "Jo Bloggs", "Acme Care")
            root.show(screen, **data)

        return go

    def typed(screen: str, text: str, **data: Any) -> Callable[[], None]:
        def go() -> None:
            visitor(screen, **data)()
            root.current_screen.ids.keyboard.text = text

        return go

    def manager(screen: str, action: str = "") -> Callable[[], None]:
        def go() -> None:
            amara = next(r.staff_id for r in app.admin.list_staff() if r.role == "manager")
            approval = app.kiosk.approvals.verify(amara, "258036", ApprovalPurpose.MANAGER_MODE)
            root.show("manager_menu", approval=approval)
            if action:
                getattr(root.current_screen, action)()
            elif screen != "manager_menu":
                root.show(screen)

        return go

    def sign_in_jo() -> None:
        app.kiosk.visitors.sign_in(
            VisitorType.VISITOR,
            "Jo Bloggs",
            "Acme Care",
            "Room 2",
            acknowledged=True,
            lone_working=True,
        )
        app.kiosk.tap("DEADBEEF")
        typed("sign_out", "Jo")()

    def visitor_done() -> None:
        visitor("visitor_agree")()
        root.current_screen.agree()

    def returning() -> None:
        visitors = app.kiosk.visitors
        visitors.sign_in(
            VisitorType.VISITOR, "Rosa Lopez", "Speech and Language Therapy", "Room 1",
            acknowledged=True, lone_working=False,
        )  # fmt: skip
        visitors.sign_out(visitors.find("rosa")[0].visitor_id)
        root.show("visitor_notice")
        root.current_screen.ids.returning.dispatch("on_release")
        root.current_screen.ids.keyboard.text = "Ro"

    return {
        "01-home": root.go_home,
        "02-shift-start": tap(BEN),
        "02-agreement": _agreement(root, app),
        "03-done": lambda: root.show(
            "done", message="Shift started 08:05: phone in locker 2.", at="08:05"
        ),
        "04-on-shift": shift_then("7B2E4D10", ["phone"]),
        "05-device-out": lambda: root.show("device_out", case=root.get_screen("on_shift").case),
        "05-equipment": _equipment(root, app),
        "06-return-time": lambda: root.show("return_time", case=root.get_screen("on_shift").case),
        "07-approval-badge": lambda: root.show(
            "approval",
            purpose="Chloé asks to take their phone out: emergency call.",
            on_approved=print,
        ),
        "08-approval-pin": tap(AMARA),
        "09-locker-door": _locker_door(root),
        "10-refused": tap("0BADCAFE"),
        "11-visitor-notice": visitor("visitor_notice"),
        "12-lone-working": visitor("lone_working"),
        "13-quiet-space": visitor("quiet_space"),
        "14-visitor-name": typed("visitor_details", "Jo Blog", step=0),
        "15-visitor-agree": visitor("visitor_agree"),
        "16-sign-out-start": lambda: root.show("sign_out"),
        "16-sign-out": sign_in_jo,
        "16-visitor-returning": returning,
        "17-manager-menu": manager("manager_menu"),
        "18-manager-on-site": manager("", "on_site"),
        "19-manager-unknown-badges": manager("", "unknown_badges"),
        "20-manager-export": manager("manager_export"),
        "21-not-recorded": lambda: root.refuse(
            "Not recorded — please see the manager",
            "Nothing was saved, so nothing has changed. The manager can record it for you.",
        ),
        "22-reader-fault": _reader_fault(root),
        "23-language": lambda: root.show("language"),
        "24-visitor-done": visitor_done,
        "25-evacuation-start": lambda: root.show("evacuation_start"),
        "26-evacuation": _roll_call(root, app),
    }


def _roll_call(root: Any, app: Any) -> Callable[[], None]:
    """A drill with a dozen people on site, two of them ticked, the lone worker still missing."""

    def go() -> None:
        from kiosk.domain.evacuation import Mode
        from kiosk.domain.types import VisitorType

        for n, name in enumerate(["Ada Ames", "Bo Byrne", "Cy Cole", "Di Dunn", "Ed Eze"]):
            kind = VisitorType.PARENT if n % 2 else VisitorType.VISITOR
            app.kiosk.visitors.sign_in(kind, name, "", "", acknowledged=True, lone_working=False)
        app.kiosk.visitors.sign_in(VisitorType.CONTRACTOR, "Sam Sparks", "Sparks Ltd", "",
                                   acknowledged=True, lone_working=True)  # fmt: skip
        service = app.kiosk.evacuation
        service.start(BEN, Mode.DRILL)
        view = service.current()
        for line in view.lines[:2]:
            service.mark(line.key)
        root.show("evacuation")

    return go


def _locker_door(root: Any) -> Callable[[], None]:
    def go() -> None:
        from kiosk.services.context import Recorded

        done = Recorded("gallery", 1, "shift.start", MORNING, "Shift started 08:05.")
        root.show("locker_door", locker="2", done=done)
        root.current_screen._poll.cancel()  # no door sensor here: keep the screen still

    return go


def _reader_fault(root: Any) -> Callable[[], None]:
    def go() -> None:
        from kiosk.hardware.reader import ReaderHealth

        root.go_home()
        root._reader_health(ReaderHealth.NOT_RESPONDING, "badge reader not responding")

    return go


def _open_window(config: Any) -> None:
    """The window, and Kivy's density for this panel size (before any widget is made)."""
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.ui import display

    EventLoop.ensure_window()
    Window.clearcolor = (1, 1, 1, 1)
    display.apply(Window.size, config.display)


def _save(path: Path) -> None:
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from kiosk.ui.kivyapp import save_window

    for _ in range(4):
        Window.canvas.ask_update()
        EventLoop.idle()
    save_window(path)


if __name__ == "__main__":
    main()
