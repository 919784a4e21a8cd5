"""Sizes by the panel's physical size: Kivy's `dp` is set so one dp is one pixel of the official
7" 800x480 touchscreen (0.19 mm), whatever the panel.

The screens were drawn for that panel; on a 7" 1024x600 panel, pixel for pixel, a 56-pixel key
shrank to 8.4 mm. With the density set from the panel's real dots per inch (configured, or worked
out from its diagonal) every target keeps its millimetres: a 56 dp key is 10.7 mm on each panel.
The price is room: a 7" 1024x600 panel is 805x471 dp, the shortest page the layouts must fit.
"""

from __future__ import annotations

import math

from kivy.metrics import Metrics

from kiosk.config import DisplaySection

# The official Raspberry Pi 7" touchscreen: 800x480 pixels on a 7-inch diagonal.
REFERENCE_DPI = math.hypot(800, 480) / 7.0
MM_PER_INCH = 25.4


def panel_dpi(size_px: tuple[int, int], display: DisplaySection) -> float:
    """The panel's dots per inch: as configured, else from its pixels and diagonal."""
    if display.dpi:
        return display.dpi
    return math.hypot(*size_px) / display.diagonal_in


def apply(size_px: tuple[int, int], display: DisplaySection) -> float:
    """Set Kivy's dpi and density for this panel (before any widget is made); the density."""
    dpi = panel_dpi(size_px, display)
    Metrics.dpi = dpi
    Metrics.density = dpi / REFERENCE_DPI
    return float(Metrics.density)


def px_per_mm() -> float:
    return float(Metrics.dpi) / MM_PER_INCH
