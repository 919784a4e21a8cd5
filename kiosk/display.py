"""Whether a screen is attached, as the kernel sees it: the one fact both the touchscreen (which SDL
driver to use) and `kiosk hw-check` (is the display working?) need, with no Kivy import.

The installed kiosk draws straight to the screen through DRM/KMS (SDL's kmsdrm driver, no desktop);
the kernel lists each connector under /sys/class/drm with a status file saying whether a screen is
plugged into it.
"""

from __future__ import annotations

import os
from pathlib import Path

DRM_SYSFS = Path("/sys/class/drm")


def connected_screens(drm_sysfs: Path | None = None) -> list[str]:
    """The DRM connectors with a screen on them (card0-DSI-1, card1-HDMI-A-1, card0-Virtual-1 …)."""
    found = []
    for status in (drm_sysfs or DRM_SYSFS).glob("card*-*/status"):
        try:
            if status.read_text().strip() == "connected":
                found.append(status.parent.name)
        except OSError:
            continue  # a connector that vanished (unplugged) while we looked
    return sorted(found)


def desktop() -> str:
    """The desktop session's display name (X11 or Wayland), or "" when there is none."""
    return os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or ""


def describe(drm_sysfs: Path | None = None) -> tuple[bool, str]:
    """(a screen to draw on?, what was found), for a person reading `kiosk hw-check`."""
    drm_sysfs = drm_sysfs or DRM_SYSFS
    screens = connected_screens(drm_sysfs)
    if screens:
        return True, "screen connected: " + ", ".join(screens)
    if desktop():
        return True, f"desktop display {desktop()} (no screen on DRM/KMS)"
    return False, f"no screen connected ({drm_sysfs} lists none)"
