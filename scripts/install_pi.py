#!/usr/bin/env python3
"""Install or upgrade the kiosk on Raspberry Pi OS Bookworm (64-bit). Run as root, as often as
you like: every step checks before it changes anything, and a second run changes nothing.

    sudo python3 scripts/install_pi.py                 # install / upgrade in place
    sudo python3 scripts/install_pi.py --dry-run       # print every step, change nothing
    sudo python3 scripts/install_pi.py --root /tmp/r   # into a scratch root (used by the tests:
                                                       # packages, venv and database are skipped)

Steps: Debian packages; the `kiosk` user in the spi/gpio/input/video/render groups; SPI on; screen
blanking off; a virtual environment in /opt/kiosk with the Pi extras (the RPi.GPIO shim over
lgpio); /etc/kiosk/kiosk.toml from the example (never overwritten) and a 0700 secrets folder; the
kiosk's data folder /var/lib/kiosk; the systemd units, with the display rotation and touch settings
in a drop-in, reloaded into systemd; the database migrated (data kept); a running kiosk restarted
onto the new release; and `kiosk hw-check --quick`, so whoever installs sees at once whether the
reader, the GPIO pins and the screen work. Uses only the standard library: it runs before the venv
exists. On plain Debian (no /boot/firmware, no Raspberry Pi archive) the Pi-only steps say so and
are skipped; lgpio then builds from PyPI's source.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent
# libgl1: Kivy's SDL2 window loads libGL.so.1 even when it draws through EGL (KMS/DRM).
# fonts-noto-ui-core: the visitor screens in Arabic, Urdu, Punjabi (Gurmukhi) and Bengali.
PACKAGES = [
    "python3-venv", "python3-dev", "gcc", "sqlite3", "libegl1", "libgl1", "libgl1-mesa-dri",
    "libgbm1", "libmtdev1", "swig", "fonts-noto-ui-core",
]  # fmt: skip
# Only in Raspberry Pi OS's archive. Elsewhere PyPI's lgpio builds its own copy (gcc and swig).
PI_ARCHIVE_PACKAGES = ["liblgpio-dev"]
GROUPS = ["spi", "gpio", "input", "video", "render"]
# unit -> the .wants folder `systemctl enable` links it from (its [Install] WantedBy=).
UNITS_ENABLED = {
    "kiosk.service": "multi-user.target.wants",
    "kiosk-backup.timer": "timers.target.wants",
    "kiosk-purge.timer": "timers.target.wants",
}
VENV = "/opt/kiosk/venv"
# The Pi's locked set: linux aarch64, Python 3.11, with every platform's hashes (`make lock`).
PI_LOCK = "requirements/pi.txt"
DATA_DIR = "/var/lib/kiosk"  # kiosk.service's StateDirectory; kiosk.config.SYSTEM_DATA_DIR
# A digest of the release the venv was built from: the venv is rebuilt, and the kiosk restarted,
# only when the release changes, so a second run changes nothing.
RELEASE_STAMP = "/opt/kiosk/release.sha256"
SERVICES = ["kiosk.service", "kiosk-sync.service", "kiosk-records.service"]


class Installer:
    def __init__(self, root: Path, dry_run: bool, rotate: int) -> None:
        self.root, self.dry_run, self.rotate = root, dry_run, rotate
        self.scratch = root != Path("/")
        self.changed: list[str] = []
        self.units_changed = False
        self.release_changed = False

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
        extra = [p for p in PI_ARCHIVE_PACKAGES if self._in_archive(p)]
        missing = sorted(set(PI_ARCHIVE_PACKAGES) - set(extra))
        if missing:
            self.say(f"  not in this system's archive (not Raspberry Pi OS): {' '.join(missing)}")
        self.run(["apt-get", "install", "-y", "-qq", *PACKAGES, *extra], real_system_only=True)

    def _in_archive(self, package: str) -> bool:
        if self.scratch:
            return True  # nothing is installed there; say what a Pi would get
        found = subprocess.run(
            ["apt-cache", "policy", package], capture_output=True, text=True, check=False
        )
        return "Candidate:" in found.stdout and "Candidate: (none)" not in found.stdout

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
        if not self.path("/boot/firmware").is_dir():
            self.say("  skipped: no /boot/firmware (not Raspberry Pi OS; no SPI header to turn on)")
            return
        self.ensure_line("/boot/firmware/config.txt", "dtparam=spi=on", "RC522 badge reader")
        self.ensure_cmdline_word("consoleblank=0", "the screen never blanks")

    def venv(self) -> None:
        self.say(f"virtual environment: {VENV} with the Pi extras")
        release = release_digest()
        stamp = self.path(RELEASE_STAMP)
        built = self.path(f"{VENV}/bin/kiosk").exists() or self.scratch
        if built and stamp.exists() and stamp.read_text().strip() == release:
            self.say("  up to date with this release")
            return
        if not self.path(f"{VENV}/bin/python").exists():
            self.run([sys.executable, "-m", "venv", VENV], real_system_only=True)
        self._install_release()
        self.release_changed = True
        self.change(f"record the release ({release[:12]})", lambda: _write(stamp, release + "\n"))

    def _install_release(self) -> None:
        """Exactly the locked versions (requirements/pi.txt, checked against their hashes), then
        this release's package on top of them."""
        pip = [f"{VENV}/bin/pip", "install", "--quiet", "--no-deps"]
        locks = ["-r", str(SOURCE / "requirements/build.txt"), "-r", str(SOURCE / PI_LOCK)]
        self.run([*pip, "--require-hashes", *locks], real_system_only=True)
        # The same version number can hold new code: put this release's package in place.
        self.run([*pip, "--no-build-isolation", "--force-reinstall", str(SOURCE)],
                 real_system_only=True)  # fmt: skip
        # mfrc522 pulls in RPi.GPIO, which cannot drive a Pi 5's RP1 chip and fights rpi-lgpio
        # over the same `RPi.GPIO` module name. rpi-lgpio provides that module on lgpio, which
        # works on every Pi under Bookworm, so it replaces RPi.GPIO everywhere (locked too).
        self.run([f"{VENV}/bin/pip", "uninstall", "--yes", "RPi.GPIO"], real_system_only=True)
        shim = self.path(f"{VENV}/rpi-lgpio.lock")
        if not self.dry_run and not self.scratch:
            _write(shim, locked_entry(SOURCE / PI_LOCK, "rpi-lgpio"))
        self.run([*pip, "--force-reinstall", "--require-hashes", "-r", str(shim)],
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

    def data_folder(self) -> None:
        self.say(f"data: {DATA_DIR} (owner kiosk, mode 0700)")
        folder = self.path(DATA_DIR)
        if not folder.is_dir():
            self.change(f"create {DATA_DIR}", lambda: folder.mkdir(mode=0o700, parents=True))
        # The kiosk user must own it before `kiosk init` runs as that user (systemd's
        # StateDirectory= would do the same, but only when the service first starts).
        self.run(["chown", "kiosk:kiosk", DATA_DIR], real_system_only=True)
        self.run(["chmod", "0700", DATA_DIR], real_system_only=True)

    def units(self) -> None:
        self.say("systemd: units, display drop-in, enabled: " + ", ".join(UNITS_ENABLED))
        folder = self.path("/etc/systemd/system")
        for unit in sorted((SOURCE / "systemd").glob("*.*")):
            if unit.suffix not in (".service", ".timer"):
                continue
            target = folder / unit.name
            if not target.exists() or target.read_bytes() != unit.read_bytes():
                self.change(f"install {unit.name}", lambda u=unit, t=target: _copy(u, t))
                self.units_changed = True
        dropin = folder / "kiosk.service.d" / "display.conf"
        text = display_dropin(self.rotate)
        if not dropin.exists() or dropin.read_text() != text:
            self.change(f"display drop-in (rotation {self.rotate})", lambda: _write(dropin, text))
            self.units_changed = True
        if self.units_changed and (self.dry_run or self.scratch or _systemd_running()):
            # Without it systemd keeps running the old units (NeedDaemonReload=yes).
            self.run(["systemctl", "daemon-reload"], real_system_only=True)
        root = ["--root", str(self.root)] if self.scratch else []
        if not all((folder / wants / unit).is_symlink() for unit, wants in UNITS_ENABLED.items()):
            enable = ["systemctl", *root, "--quiet", "enable", *UNITS_ENABLED]
            self.change("enable " + ", ".join(UNITS_ENABLED), lambda: _sh(enable))

    def as_kiosk(self, *args: str) -> list[str]:
        return ["runuser", "-u", "kiosk", "--", f"{VENV}/bin/kiosk", *args]

    def database(self) -> None:
        self.say("database: kiosk init (runs migrations; data kept)")
        self.run(self.as_kiosk("init"), real_system_only=True)

    def hardware_check(self) -> None:
        """Stop a running kiosk (it holds the reader), check what needs nobody at the kiosk, and
        start it again: onto the new release if this run changed one."""
        self.say("check: kiosk hw-check --quick (reader, GPIO pins, screen)")
        if self.dry_run or self.scratch:
            self.say("  would run: " + " ".join(self.as_kiosk("hw-check", "--quick")))
            return
        running = _systemd_running() and _active("kiosk.service")
        if running and not (self.release_changed or self.units_changed):
            self.say("  skipped: the kiosk is running and up to date (to check by hand: "
                     "systemctl stop kiosk, then sudo -u kiosk kiosk hw-check)")  # fmt: skip
            return
        if running:
            _sh(["systemctl", "stop", "kiosk.service"])
        # From `/`, as systemd runs the kiosk: a check that passes only from a writable folder
        # would hide what the service meets.
        subprocess.run(self.as_kiosk("hw-check", "--quick"), cwd="/", check=False)
        if running:
            _sh(["systemctl", "start", "kiosk.service"])
            self.say(
                "  kiosk.service started again"
                + (" on the new release" if self.release_changed else "")
            )
        else:
            self.say("  kiosk.service starts at the next boot (or: systemctl start kiosk)")
        others = [u for u in SERVICES[1:] if _systemd_running() and _active(u)]
        if others and (self.release_changed or self.units_changed):
            _sh(["systemctl", "restart", *others])
            self.say("  restarted on the new release: " + ", ".join(others))

    def all(self) -> None:
        for step in (self.packages, self.user, self.boot_settings, self.venv, self.config,
                     self.data_folder, self.units, self.database, self.hardware_check):  # fmt: skip
            step()
        verb = "would make" if self.dry_run else "done:"
        up_to_date = "" if self.changed else " (up to date)"
        self.say(f"{verb} {len(self.changed)} change(s){up_to_date}")


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


def _systemd_running() -> bool:
    """systemd is PID 1 (not a chroot or an image being prepared): sd_booted()'s test."""
    return Path("/run/systemd/system").is_dir()


def _active(unit: str) -> bool:
    return subprocess.run(["systemctl", "is-active", "--quiet", unit], check=False).returncode == 0


def locked_entry(lock: Path, package: str) -> str:
    """One package's lines (`name==version \\` and its hashes) out of a lock file."""
    lines, taking = [], False
    for line in lock.read_text().splitlines():
        if not line.startswith((" ", "#")):
            taking = line.lower().startswith(f"{package.lower()}==")
        if taking and not line.lstrip().startswith("#"):
            lines.append(line)
    if not lines:
        raise SystemExit(f"install_pi: {package} is not in {lock}")
    return "\n".join(lines) + "\n"


def release_digest() -> str:
    """sha256 over the files a release installs from (the package, its metadata and locks)."""
    digest = hashlib.sha256()
    files = [SOURCE / "pyproject.toml", *sorted((SOURCE / "kiosk").rglob("*"))]
    files += sorted((SOURCE / "requirements").glob("*.txt"))
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(SOURCE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


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
