"""The installer on arm64, as on a Pi 4/5 with 64-bit Raspberry Pi OS, through qemu-user.

An arm64 Bookworm root (debootstrap through qemu-aarch64-static and binfmt_misc) gets the release
and runs the installer as docs/deploy.md says. systemd is not running there (a chroot, not a boot:
that is what the amd64 container and VM check), so the installer enables the units for the next
boot and skips starting them, as it would when preparing an SD card image. Then: the CLI on the
installed database, the Pi extras importing (spidev, evdev and lgpio, compiled there), and every
screen rendered offscreen by the arm64 Kivy wheel. Slow (everything runs emulated): its own target.
"""

from __future__ import annotations

import time
from pathlib import Path

from field.host import RigError, Verdicts, pip_environment, read_png, run, say
from field.rootfs import RELEASE_IN_GUEST, base_system, copy_release, fresh_copy, run_folder

BINFMT = Path("/proc/sys/fs/binfmt_misc")
QEMU_BINFMT = Path("/usr/lib/binfmt.d/qemu-aarch64.conf")
K = "sudo -u kiosk /opt/kiosk/venv/bin/kiosk"
PYTHON = "/opt/kiosk/venv/bin/python"
IMPORT_EXTRAS = (
    "from pathlib import Path; from kiosk.hardware import keep_gpio_files_in; "
    'keep_gpio_files_in(Path("/var/lib/kiosk")); import spidev, evdev, lgpio; print("extras ok")'
)
OFFSCREEN = (
    "SDL_VIDEODRIVER=offscreen KIVY_WINDOW=sdl2 KIVY_NO_ARGS=1 KIVY_NO_CONFIG=1 "
    "KIVY_NO_FILELOG=1 KIVY_HOME=/var/lib/kiosk/kivy-field"
)


def install_and_check_arm64(work: Path, out: Path, release: Path, verdicts: Verdicts) -> None:
    _register_qemu()
    root = fresh_copy(base_system(work, "arm64"), run_folder(work, out, "arm64"))
    copy_release(root, release)
    log = out / "arm64.log"
    started = time.monotonic()
    code, text = _in_root(root, f"cd {RELEASE_IN_GUEST} && python3 scripts/install_pi.py", log)
    took = time.monotonic() - started
    last = text.strip().splitlines()[-1] if text.strip() else ""
    verdicts.check(f"arm64: installer ran ({took:.0f} s under qemu-user)", code == 0, last)
    arch = _in_root(root, "uname -m", log)[1].strip()
    code, text = _in_root(root, f"cd / && {K} status --json", log)
    verdicts.check(
        "arm64: `kiosk status` as the kiosk user reads /var/lib/kiosk/kiosk.db",
        code == 0 and '"/var/lib/kiosk/kiosk.db"' in text,
        f"on {arch}",
    )
    code, text = _in_root(root, f"cd / && sudo -u kiosk {PYTHON} -c '{IMPORT_EXTRAS}'", log)
    verdicts.check(
        "arm64: the Pi extras import (spidev, evdev, lgpio built there)",
        code == 0 and "extras ok" in text,
        text.strip()[-200:],
    )
    _render(root, out, log, verdicts)


def _render(root: Path, out: Path, log: Path, verdicts: Verdicts) -> None:
    shots = "/var/lib/kiosk/field-screens"
    gallery = f"{PYTHON} -m kiosk.ui.gallery {shots} --size 800x480"
    code, _ = _in_root(root, f"cd / && sudo -u kiosk env {OFFSCREEN} {gallery}", log)
    pngs = sorted((root / shots.lstrip("/")).glob("*.png"))
    home = next((p for p in pngs if "home" in p.name), None)
    blank = True
    if home is not None:
        picture = read_png(home)
        blank = picture.share_of(picture.most_common_colour(), tolerance=0) > 0.99
        (out / "arm64-home.png").write_bytes(home.read_bytes())
    verdicts.check(
        "arm64: every screen renders offscreen with the arm64 Kivy wheel",
        code == 0 and len(pngs) >= 20 and not blank,
        f"{len(pngs)} screens; home {'blank' if blank else 'drawn'}",
    )


def _in_root(root: Path, script: str, log: Path, timeout_s: float = 7200) -> tuple[int, str]:
    environment = [f"--setenv={k}={v}" for k, v in pip_environment().items()]
    nspawn = ["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "-D", str(root)]
    nspawn += ["--hostname=kiosk-field"]
    nspawn += ["--setenv=DEBIAN_FRONTEND=noninteractive", *environment]
    done = run([*nspawn, "/bin/bash", "-c", script], check=False, timeout_s=timeout_s)
    with log.open("a") as handle:
        handle.write(f"# {script}\n{done.stdout}{done.stderr}# exit {done.returncode}\n")
    return done.returncode, done.stdout + done.stderr


def _register_qemu() -> None:
    """binfmt_misc runs arm64 programs through qemu-aarch64-static (F: found even in a chroot)."""
    if not (BINFMT / "register").exists():
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], quiet=True)
    if (BINFMT / "qemu-aarch64").exists():
        return
    if not QEMU_BINFMT.exists():
        raise RigError(f"{QEMU_BINFMT} missing: apt-get install qemu-user-static")
    line = next(ln for ln in QEMU_BINFMT.read_text().splitlines() if ln.startswith(":"))
    (BINFMT / "register").write_text(line)
    say("registered qemu-aarch64 with binfmt_misc")
