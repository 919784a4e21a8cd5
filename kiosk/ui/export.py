"""Manager mode's export to a USB stick: a date range, the mounted stick, and the same CSV as
`kiosk export` (the same `ExportService`, which also records the export in the audit trail)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.export import ExportRequest, ExportScope
from kiosk.services.exports import ExportService
from kiosk.ui.root import KioskScreen

RANGES = [("Today", 0), ("Last 7 days", 6), ("Last 30 days", 29)]


class ManagerExportScreen(KioskScreen):
    drive_hint = StringProperty("")

    def on_kv_post(self, base_widget: Any) -> None:
        for label, days in RANGES:
            toggle = Factory.Choice(text=label, group=f"range-{id(self)}", allow_no_selection=False)
            toggle.days = days
            self.ids.ranges.add_widget(toggle)

    def enter(self, **data: Any) -> None:
        for toggle in self.ids.ranges.children:
            toggle.state = "down" if toggle.days == 6 else "normal"
        self.scan()

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
        days = next(t.days for t in self.ids.ranges.children if t.state == "down")
        today = self.kiosk.app.ctx.clock.now().astimezone(self.kiosk.app.ctx.tz).date()
        return today - timedelta(days=days), today

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
