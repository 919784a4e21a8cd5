"""The home screen: the setting's name, the time, what to do, and the kiosk's health marks.

Nothing personal ever shows here. The clock and marks change once a minute (or when the reader's
health changes), so an idle kiosk redraws nothing in between.
"""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.hardware.reader import ReaderHealth
from kiosk.ui.root import KioskScreen

OK_COLOUR, BAD_COLOUR, OFF_COLOUR = "1a6b34", "b00d0d", "5a5e66"
FIRE, FIRE_RUNNING = "Fire: roll call", "Roll call running: open it"


class HomeScreen(KioskScreen):
    setting_name = StringProperty("")
    clock_text = StringProperty("")
    fault_text = StringProperty("")
    marks_text = StringProperty("")
    prompt_text = StringProperty("Staff: tap your badge")
    fire_text = StringProperty(FIRE)

    def enter(self, **data: object) -> None:
        self.refresh()

    def refresh(self) -> None:
        kiosk = self.kiosk
        self.setting_name = kiosk.app.config.kiosk.setting_name
        self.clock_text = kiosk.local_time()
        self.fault_text = self._fault()
        reader_down = kiosk.ports.reader_health is ReaderHealth.NOT_RESPONDING
        # Never invite a tap that nothing will hear.
        self.prompt_text = (
            "Staff: badges cannot be read just now" if reader_down else "Staff: tap your badge"
        )
        self.marks_text = "    ".join(self._marks())
        self.fire_text = FIRE_RUNNING if self._roll_call_running() else FIRE

    def fire(self) -> None:
        """A running roll call opens at once (even after a restart); else a badge starts one."""
        running = self._roll_call_running()
        self.kiosk.show("evacuation" if running else "evacuation_start")

    def _roll_call_running(self) -> bool:
        try:
            return self.kiosk.app.kiosk.evacuation.running()
        except Exception:  # the home screen must show even if the log cannot be read
            return False

    def _fault(self) -> str:
        kiosk = self.kiosk
        if kiosk.ports.reader_health is ReaderHealth.NOT_RESPONDING:
            return (
                "Badge reader not responding. Staff: please tell the manager. "
                "Visitors: use the button below."
            )
        if kiosk.door_alerts:
            lockers = ", ".join(sorted(kiosk.door_alerts))
            return f"Locker {lockers}: door left open. Please close it."
        return ""

    def _marks(self) -> list[str]:
        kiosk = self.kiosk
        health = kiosk.ports.reader_health
        reader = _mark("Reader", health is not ReaderHealth.NOT_RESPONDING)
        try:
            status = kiosk.app.kiosk.roll_call.status()
        except Exception:  # the marks must never stop the home screen from showing
            return [reader, _mark("Records", False)]
        sync = status["sync"]
        if not sync["enabled"]:
            sync_mark = f"[color={OFF_COLOUR}]Sync off[/color]"
        else:
            sync_mark = _mark("Sync", sync["dead"] == 0, f"{sync['dead']} failed")
        clock = _mark("Clock", bool(status["clock_synced"]), "not set")
        return [reader, sync_mark, clock]


def _mark(name: str, ok: bool, bad: str = "needs attention") -> str:
    if ok:
        return f"[color={OK_COLOUR}]{name} OK[/color]"
    return f"[color={BAD_COLOUR}][b]{name}: {bad}[/b][/color]"
