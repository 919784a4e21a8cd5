"""Manager mode's export to a USB stick: a date range, the mounted stick, and the same CSV as
`kiosk export` (the same `ExportService`, which also records the export in the audit trail).

A preset (today, the last 7 or 30 days) sets the range in one tap; the steppers under it move
the first and last day by a day or a week, for any range. The last day is never after today,
and the first never after the last: a step that would cross pushes the other day along.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kivy.factory import Factory
from kivy.properties import ObjectProperty, StringProperty

from kiosk.export import ExportRequest, ExportScope
from kiosk.services.exports import ExportService
from kiosk.ui.root import KioskScreen

RANGES = [("Today", 0), ("Last 7 days", 6), ("Last 30 days", 29)]
STEPS = [("−1 week", -7), ("−1 day", -1), ("+1 day", 1), ("+1 week", 7)]


def shown_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def stepped(start: date, end: date, which: str, days: int, today: date) -> tuple[date, date]:
    """The range after moving its first or last day; the last never after today."""
    if which == "start":
        start = min(start + timedelta(days=days), today)
        end = max(end, start)
    else:
        end = min(end + timedelta(days=days), today)
        start = min(start, end)
    return start, end


class ManagerExportScreen(KioskScreen):
    drive_hint = StringProperty("")
    start = ObjectProperty(date(2000, 1, 1))
    end = ObjectProperty(date(2000, 1, 1))
    start_text = StringProperty("")
    end_text = StringProperty("")

    def on_kv_post(self, base_widget: Any) -> None:
        for label, days in RANGES:
            toggle = Factory.Choice(text=label, group=f"range-{id(self)}", allow_no_selection=False)
            toggle.days = days
            toggle.bind(on_release=lambda t: self.preset(t.days))
            self.ids.ranges.add_widget(toggle)
        for which in ("start", "end"):
            for label, days in STEPS:
                button = Factory.PlainButton(text=label, size_hint_x=None, width="112dp")
                button.step = (which, days)
                button.bind(on_release=lambda b: self.step(*b.step))
                self.ids[f"{which}_steps"].add_widget(button)

    def enter(self, **data: Any) -> None:
        self.preset(6)
        self.scan()

    def today(self) -> date:
        return self.kiosk.app.ctx.clock.now().astimezone(self.kiosk.app.ctx.tz).date()

    def preset(self, days: int) -> None:
        for toggle in self.ids.ranges.children:
            toggle.state = "down" if toggle.days == days else "normal"
        today = self.today()
        self._set(today - timedelta(days=days), today)

    def step(self, which: str, days: int) -> None:
        for toggle in self.ids.ranges.children:
            toggle.state = "normal"  # no longer one of the presets
        self._set(*stepped(self.start, self.end, which, days, self.today()))

    def _set(self, start: date, end: date) -> None:
        self.start, self.end = start, end
        self.start_text, self.end_text = shown_day(start), shown_day(end)

    def scan(self) -> None:
        grid = self.ids.drives
        grid.clear_widgets()
        drives = self.kiosk.ports.drives()
        self.drive_hint = (
            "Tap the USB stick to save to:"
            if drives
            else "No USB stick found. Put one in, wait a moment, then look again."
        )
        for drive in drives:
            button = Factory.GreenButton(text=f"Save to {drive.name}")
            button.bind(on_release=lambda _w, d=drive: self.export_to(d))
            grid.add_widget(button)

    def date_range(self) -> tuple[date, date]:
        return self.start, self.end

    def export_to(self, drive: Path) -> None:
        start, end = self.date_range()
        kiosk_id = self.kiosk.app.config.kiosk.id
        path = drive / f"kiosk-{kiosk_id}-{start.isoformat()}-to-{end.isoformat()}.csv"
        request = ExportRequest(start, end, ExportScope.ALL, path)
        self.kiosk.attempt(
            lambda: ExportService(self.kiosk.app.ctx).export(request),
            lambda done: self.kiosk.confirm(done, after="manager_menu"),
        )

    def clear(self) -> None:
        self.ids.drives.clear_widgets()
