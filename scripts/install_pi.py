#!/usr/bin/env python3
"""Install or upgrade the kiosk on Raspberry Pi OS Bookworm (64-bit). Run as root, as often as
you like: every step checks before it changes anything, and a second run changes nothing.

    sudo python3 scripts/install_pi.py                 # install / upgrade in place
    sudo python3 scripts/install_pi.py --dry-run       # print every step, change nothing
    sudo python3 scripts/install_pi.py --root /tmp/r   # into a scratch root (used by the tests:
                                                       # packages, venv and database are skipped)

Steps: Debian packages; the `kiosk` user in the spi/gpio/input/video/render groups; SPI on; screen
blanking off; a virtual environment in /opt/kiosk with the Pi extras (on a Pi 5 the RPi.GPIO shim
over lgpio); /etc/kiosk/kiosk.toml from the example (never overwritten) and a 0700 secrets folder;
the systemd units, with the display rotation and touch settings in a drop-in; the database
migrated (data kept). Uses only the standard library: it runs before the venv exists.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
PACKAGES = [
    "python3-venv", "python3-dev", "gcc", "sqlite3", "libegl1", "libgl1-mesa-dri", "libgbm1",
    "libmtdev1", "swig", "liblgpio-dev",
]  # fmt: skip
GROUPS = ["spi", "gpio", "input", "video", "render"]
# unit -> the .wants folder `systemctl enable` links it from (its [Install] WantedBy=).
UNITS_ENABLED = {
    "kiosk.service": "multi-user.target.wants",
    "kiosk-backup.timer": "timers.target.wants",
    "kiosk-purge.timer": "timers.target.wants",
}
VENV = "/opt/kiosk/venv"


class Installer:
    def __init__(self, root: Path, dry_run: bool, rotate: int) -> None:
        self.root, self.dry_run, self.rotate = root, dry_run, rotate
        self.scratch = root != Path("/")
        self.changed: list[str] = []

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def say(self, step: str) -> None:
        print(("[dry-run] " if self.dry_run else "") + step, flush=True)

    def run(self, command: list[str], *, real_system_only: bool = False) -> None:
        """Run a command (or print it); some cannot act on a scratch root and are skipped there."""
        if self.dry_run or (real_system_only and self.scratch):
            self.say(f"  would run: {' '.join(command)}")
            return
        subprocess.run(command, check=True)

    def change(self, what: str, action: Callable[[], None]) -> None:
        self.say(f"  change: {what}")
        if not self.dry_run:
            action()
            self.changed.append(what)

    # --- steps ------------------------------------------------------------------------------

    def packages(self) -> None:
        self.say("packages: " + " ".join(PACKAGES))
        self.run(["apt-get", "update", "-qq"], real_system_only=True)
        self.run(["apt-get", "install", "-y", "-qq", *PACKAGES], real_system_only=True)

    def user(self) -> None:
        self.say("user: kiosk, in groups " + ",".join(GROUPS))
        chroot = ["--root", str(self.root)] if self.scratch else []
        for group in GROUPS:
            if group not in self._groups():
                self.change(
                    f"add group {group}", lambda g=group: _sh(["groupadd", *chroot, "--system", g])
                )
        if not self._has_user("kiosk"):
            self.change("add user kiosk", lambda: _sh([
                "useradd", *chroot, "--system", "--user-group", "--home-dir", "/var/lib/kiosk",
                "--no-create-home", "--shell", "/usr/sbin/nologin", "kiosk"]))  # fmt: skip
        missing = [g for g in GROUPS if "kiosk" not in self._groups().get(g, [])]
        if missing:
            usermod = ["usermod", *chroot, "--append", "--groups", ",".join(missing), "kiosk"]
            self.change(f"add kiosk to {','.join(missing)}", lambda: _sh(usermod))

    def _groups(self) -> dict[str, list[str]]:
        """group name -> members, from the root's /etc/group (empty in a dry run of a new root)."""
        path = self.path("/etc/group")
        lines = path.read_text().splitlines() if path.exists() else []
        return {
            f[0]: [m for m in f[3].split(",") if m]
            for f in (ln.split(":") for ln in lines)
            if len(f) == 4
        }

    def _has_user(self, name: str) -> bool:
        path = self.path("/etc/passwd")
        return path.exists() and any(
            ln.startswith(f"{name}:") for ln in path.read_text().splitlines()
        )

    def ensure_line(self, file: str, line: str, why: str) -> None:
        target = self.path(file)
        lines = target.read_text().splitlines() if target.exists() else []
        if line in lines:
            return

        def write() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("\n".join([*lines, line]) + "\n")

        self.change(f"{file}: add '{line}' ({why})", write)

    def ensure_cmdline_word(self, word: str, why: str) -> None:
        """cmdline.txt is one line; words are added to it, never a second line."""
        target = self.path("/boot/firmware/cmdline.txt")
        words = target.read_text().split() if target.exists() else []
        if word in words:
            return

        def write() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(" ".join([*words, word]) + "\n")

        self.change(f"cmdline.txt: add {word} ({why})", write)

    def boot_settings(self) -> None:
        self.say("boot: SPI on, console blanking off")
        self.ensure_line("/boot/firmware/config.txt", "dtparam=spi=on", "RC522 badge reader")
        self.ensure_cmdline_word("consoleblank=0", "the screen never blanks")

    def venv(self) -> None:
        self.say(f"virtual environment: {VENV} with the Pi extras")
        if not self.path(f"{VENV}/bin/python").exists():
            self.run([sys.executable, "-m", "venv", VENV], real_system_only=True)
        pip = f"{VENV}/bin/pip"
        self.run([pip, "install", "--quiet", "--upgrade", f"{SOURCE}[pi]"], real_system_only=True)
        # mfrc522 pulls in RPi.GPIO, which cannot drive a Pi 5's RP1 chip and fights rpi-lgpio
        # over the same `RPi.GPIO` module name. rpi-lgpio provides that module on lgpio, which
        # works on every Pi under Bookworm, so it replaces RPi.GPIO everywhere.
        self.run([pip, "uninstall", "--yes", "RPi.GPIO"], real_system_only=True)
        self.run([pip, "install", "--quiet", "--force-reinstall", "--no-deps", "rpi-lgpio"],
                 real_system_only=True)  # fmt: skip

    def _model(self) -> str:
        model = self.path("/proc/device-tree/model")
        return model.read_text(errors="replace") if model.exists() else ""

    def config(self) -> None:
        self.say("config: /etc/kiosk/kiosk.toml (kept if present), /etc/kiosk/secrets (0700)")
        target = self.path("/etc/kiosk/kiosk.toml")
        if not target.exists():
            example = (SOURCE / "kiosk/kiosk.example.toml").read_text()
            if "Raspberry Pi 5" in self._model():
                example = example.replace('pin_factory = ""', 'pin_factory = "lgpio"', 1)

            def write() -> None:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(example)
                os.chmod(target, 0o644)

            self.change("create /etc/kiosk/kiosk.toml from the example", write)
        secrets = self.path("/etc/kiosk/secrets")
        if not secrets.is_dir():
            self.change("create /etc/kiosk/secrets (mode 0700, for token files)",
                        lambda: secrets.mkdir(mode=0o700, parents=True))  # fmt: skip
        self.run(["chown", "-R", "kiosk:kiosk", "/etc/kiosk/secrets"], real_system_only=True)

    def units(self) -> None:
        self.say("systemd: units, display drop-in, enabled: " + ", ".join(UNITS_ENABLED))
        folder = self.path("/etc/systemd/system")
        for unit in sorted((SOURCE / "systemd").glob("*.*")):
            if unit.suffix not in (".service", ".timer"):
                continue
            target = folder / unit.name
            if not target.exists() or target.read_bytes() != unit.read_bytes():
                self.change(f"install {unit.name}", lambda u=unit, t=target: _copy(u, t))
        dropin = folder / "kiosk.service.d" / "display.conf"
        text = display_dropin(self.rotate)
        if not dropin.exists() or dropin.read_text() != text:
            self.change(f"display drop-in (rotation {self.rotate})", lambda: _write(dropin, text))
        root = ["--root", str(self.root)] if self.scratch else []
        if not all((folder / wants / unit).is_symlink() for unit, wants in UNITS_ENABLED.items()):
            enable = ["systemctl", *root, "--quiet", "enable", *UNITS_ENABLED]
            self.change("enable " + ", ".join(UNITS_ENABLED), lambda: _sh(enable))

    def database(self) -> None:
        self.say("database: kiosk init (runs migrations; data kept)")
        self.run(
            ["runuser", "-u", "kiosk", "--", f"{VENV}/bin/kiosk", "init"], real_system_only=True
        )

    def all(self) -> None:
        for step in (self.packages, self.user, self.boot_settings, self.venv, self.config,
                     self.units, self.database):  # fmt: skip
            step()
        self.say(f"done: {len(self.changed)} change(s)" + ("" if self.changed else " (up to date)"))


def display_dropin(rotate: int) -> str:
    return (
        "# Written by scripts/install_pi.py: screen rotation and touch input for Kivy.\n"
        "[Service]\n"
        f"Environment=KCFG_GRAPHICS_ROTATION={rotate}\n"
        "# The touchscreen also appears as a mouse: ignore the mouse while a touch is active,\n"
        "# so one tap is one event, not two.\n"
        "Environment=KCFG_INPUT_MOUSE=mouse,disable_on_activity\n"
    )


def _sh(command: list[str]) -> None:
    subprocess.run(command, check=True)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("/"), help="install into this root")
    parser.add_argument("--dry-run", action="store_true", help="print every step, change nothing")
    parser.add_argument("--rotate", type=int, choices=(0, 90, 180, 270), default=0)
    args = parser.parse_args()
    if os.geteuid() != 0 and not args.dry_run:
        print("install_pi: run as root (sudo)", file=sys.stderr)
        return 1
    Installer(args.root.resolve(), args.dry_run, args.rotate).all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
