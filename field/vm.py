"""The installed system booted in a VM with a screen: is the kiosk on the display, as deployed?

The container's root file system, as the installer and the operator left it, becomes the VM's
disk (mkfs.ext4 -d, no loop mount). QEMU (TCG: no KVM here) boots it with Debian's kernel and a
`-vga std` card, which the kernel drives with bochs-drm: a real DRM/KMS device, as the Pi's panel
is, so the unit's SDL_VIDEODRIVER=kmsdrm draws through the same path. Pictures come from outside:
QEMU's monitor `screendump`, compared with the kiosk's own `kiosk screenshot` taken in the guest.
Commands reach the guest over its serial console (a root autologin the rig adds: a stub for SSH).
"""

from __future__ import annotations

import base64
import re
import socket
import subprocess
import threading
import time
from pathlib import Path

from field.host import Picture, RigError, Verdicts, read_png, read_ppm, run, say, write_png

AUTOLOGIN = """[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,38400,9600 %I $TERM
"""
K = "sudo -u kiosk /opt/kiosk/venv/bin/kiosk"
MANAGER_UID = "04A1B2C3D4E5F6"


def boot_and_look(root: Path, work: Path, out: Path, verdicts: Verdicts) -> None:
    image = _make_image(root, work)
    with Vm(root, image, out) as vm:
        vm.login()
        up = vm.wait_for("systemctl is-active kiosk.service", "active", timeout_s=900)
        verdicts.check("VM: kiosk.service active after boot", up is not None,
                       f"{vm.since_boot():.0f} s after QEMU started")  # fmt: skip
        own = vm.kiosk_screenshot(out / "kiosk-own-home.png")
        home = _display_showing(vm, own, out / "vm-home.png")
        verdicts.check("VM: the kiosk's home screen is on the display (as the kiosk drew it)",
                       _same_screen(home, own), _compare(home, own))  # fmt: skip
        vm.sh(f"{K} tap {MANAGER_UID}")
        vm.wait_for(_screen_query(), "shift_start", timeout_s=60)
        own_tapped = vm.kiosk_screenshot(out / "kiosk-own-after-tap.png")
        tapped = _display_showing(vm, own_tapped, out / "vm-after-tap.png")
        verdicts.check("VM: a badge through `kiosk tap` changes what the display shows",
                       tapped.differs_from(home) > 0.05 and _same_screen(tapped, own_tapped),
                       f"{tapped.differs_from(home):.0%} of the display changed; "
                       + _compare(tapped, own_tapped))  # fmt: skip
        drm = vm.sh("cat /sys/class/drm/card*-*/status; ls /dev/dri").strip()
        say(f"VM DRM: {' '.join(drm.split())}")


def _make_image(root: Path, work: Path) -> Path:
    """The installed system as a disk: autologin on the serial console, sync off (its records
    service was the host's), and an fstab for the one partition."""
    dropin = root / "etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
    dropin.parent.mkdir(parents=True, exist_ok=True)
    dropin.write_text(AUTOLOGIN)
    (root / "etc/systemd/system/multi-user.target.wants/kiosk-sync.service").unlink(True)
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    image = work / "vm-amd64.img"
    image.unlink(missing_ok=True)
    used_mb = int(run(["du", "-sm", str(root)], quiet=True).stdout.split()[0])
    size = f"{used_mb + 1536}M"
    run(["mkfs.ext4", "-F", "-q", "-L", "kiosk", "-d", str(root), str(image), size])
    return image


def _display_showing(vm: Vm, own: Picture, keep: Path, timeout_s: float = 90) -> Picture:
    """The display once it shows what the kiosk drew, or as it stands after `timeout_s`.

    The kiosk reports itself up once its first frame is drawn; QEMU's display can show the text
    console a moment longer while the mode is set, so a first look may be early, never final.
    """
    deadline = time.monotonic() + timeout_s
    current = vm.screendump()
    while not _same_screen(current, own) and time.monotonic() < deadline:
        time.sleep(2)
        current = vm.screendump()
    write_png(current, keep)
    return current


def _same_screen(display: Picture, own: Picture) -> bool:
    if (display.width, display.height) == (own.width, own.height):
        return display.differs_from(own) < 0.02
    # Another size: the display at least shows mostly the kiosk's own background colour.
    return display.share_of(own.most_common_colour()) > 0.3


def _compare(display: Picture, own: Picture) -> str:
    size = f"display {display.width}x{display.height}, kiosk's frame {own.width}x{own.height}"
    if (display.width, display.height) == (own.width, own.height):
        return f"{size}; {display.differs_from(own):.1%} of pixels differ"
    return f"{size}; background {own.most_common_colour()} covers " + (
        f"{display.share_of(own.most_common_colour()):.0%} of the display"
    )


def _screen_query() -> str:
    return (
        "cd / && sudo -u kiosk /opt/kiosk/venv/bin/python -c 'from kiosk.config import "
        "load_config; from kiosk.ui.control import request, control_socket_path; print(request("
        'control_socket_path(load_config().tap_socket_path), "SCREEN"))\''
    )


class Vm:
    def __init__(self, root: Path, image: Path, out: Path) -> None:
        kernel = sorted((root / "boot").glob("vmlinuz-*"))[-1]
        initrd = sorted((root / "boot").glob("initrd.img-*"))[-1]
        self.out, self.serial_path, self.monitor_path = out, out / "serial.sock", out / "mon.sock"
        self.command = [
            "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-smp", "2",
            "-m", "2048", "-kernel", str(kernel), "-initrd", str(initrd),
            "-append", "root=/dev/vda rw console=ttyS0,115200 quiet",
            "-drive", f"file={image},format=raw,if=virtio", "-vga", "std", "-display", "none",
            "-serial", f"unix:{self.serial_path},server=on,wait=off",
            "-monitor", f"unix:{self.monitor_path},server=on,wait=off", "-nic", "none",
            "-no-reboot",
        ]  # fmt: skip
        self.buffer = ""
        self.lock = threading.Lock()
        self.count = 0

    def __enter__(self) -> Vm:
        self.started = time.monotonic()
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                        stderr=(self.out / "qemu.log").open("wb"))  # fmt: skip
        self.serial = _connect(self.serial_path)
        threading.Thread(target=self._read_serial, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            self.serial.sendall(b"systemctl poweroff\n")
            self.process.wait(timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()

    def since_boot(self) -> float:
        return time.monotonic() - self.started

    def _read_serial(self) -> None:
        with (self.out / "serial.log").open("wb") as log:
            while chunk := self.serial.recv(65536):
                log.write(chunk)
                log.flush()
                with self.lock:
                    self.buffer += chunk.decode("utf-8", "replace")

    def _wait_text(self, pattern: str, timeout_s: float, start: int = 0) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                found = re.search(pattern, self.buffer[start:])
            if found:
                return found
            time.sleep(0.2)
        raise RigError(f"VM: no {pattern!r} on the serial console within {timeout_s:.0f} s")

    def login(self) -> None:
        self._wait_text(r"root@kiosk-field", timeout_s=900)
        say(f"VM: root shell on the serial console {self.since_boot():.0f} s after start")
        self.serial.sendall(b"stty -echo; export TERM=dumb\n")
        time.sleep(1)

    def sh(self, script: str, timeout_s: float = 300) -> str:
        """Run a shell line in the guest; its output (stdout and stderr together)."""
        self.count += 1
        begin, end = f"__FB{self.count}__", f"__FE{self.count}__"
        with self.lock:
            start = len(self.buffer)
        self.serial.sendall(f"echo {begin}; ( {script} ) 2>&1; echo {end}$?\n".encode())
        found = self._wait_text(rf"{end}(\d+)", timeout_s, start)
        with self.lock:
            text = self.buffer[start:][: found.start()]
        return text.split(begin, 1)[-1].replace("\r", "").strip()

    def wait_for(self, script: str, want: str, timeout_s: float) -> float | None:
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if self.sh(script).strip().endswith(want):
                return time.monotonic() - started
            time.sleep(2)
        return None

    def screendump(self) -> Picture:
        target = self.out / "screendump.ppm"
        target.unlink(missing_ok=True)
        with _connect(self.monitor_path) as monitor:
            monitor.sendall(f"screendump {target}\n".encode())
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not _complete(target):
                time.sleep(0.2)
        return read_ppm(target)

    def kiosk_screenshot(self, keep: Path) -> Picture:
        """What the kiosk itself says it drew (`kiosk screenshot`), fetched over the console."""
        encoded = self.sh(f"{K} screenshot /var/lib/kiosk/field.png >/dev/null && "
                          "base64 -w0 /var/lib/kiosk/field.png", timeout_s=120)  # fmt: skip
        keep.write_bytes(base64.b64decode(encoded.split()[-1]))
        return read_png(keep)


def _complete(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        read_ppm(path)
    except (RigError, IndexError, ValueError):
        return False
    header = path.read_bytes()[:20].split(maxsplit=3)
    return path.stat().st_size >= int(header[1]) * int(header[2]) * 3


def _connect(path: Path) -> socket.socket:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(str(path))
            return sock
        except OSError:
            time.sleep(0.2)
    raise RigError(f"QEMU's socket {path} never answered")
