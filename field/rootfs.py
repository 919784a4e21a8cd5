"""Debian 12 (Bookworm) root file systems for the rig, and the release copied onto them.

A base system is made once with debootstrap and kept (`<work>/base-<arch>`, ~1.5 min for amd64,
~10 min for arm64 through qemu-user); each run works on a fresh copy of it, so every run installs
onto a system that has never seen the kiosk. The base is what Raspberry Pi OS Lite starts with for
our purpose: systemd, sudo, Python 3.11; amd64's also has a kernel, for the VM.

The release is copied the way docs/deploy.md says a person does it ("copy this repository onto the
Pi"): the files git knows about, as they are in the working tree, into /root/kiosk.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from field.host import REPO, RigError, copy_host_pip_settings, run, say

MIRROR = "http://deb.debian.org/debian"
BASE_PACKAGES = "systemd,systemd-sysv,dbus,udev,sudo,python3,ca-certificates,iproute2,kmod,procps"
KERNEL_PACKAGES = ["linux-image-amd64", "initramfs-tools"]
RELEASE_IN_GUEST = "/root/kiosk"


def base_system(work: Path, arch: str) -> Path:
    """The cached base for `arch` (amd64 or arm64), made now if it is missing or half made."""
    base = work / f"base-{arch}"
    if (base / ".field-ready").exists():
        return base
    shutil.rmtree(base, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    say(f"making the {arch} Bookworm base with debootstrap (cached for later runs)")
    run(["debootstrap", "--variant=minbase", f"--arch={arch}", f"--include={BASE_PACKAGES}",
         "bookworm", str(base), MIRROR], timeout_s=3600)  # fmt: skip
    if arch == "amd64":
        in_guest(base, ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        *KERNEL_PACKAGES])  # fmt: skip
    in_guest(base, ["apt-get", "clean"])
    (base / ".field-ready").write_text("ok\n")
    return base


def in_guest(root: Path, command: list[str], *, timeout_s: float = 3600) -> None:
    """Run a command inside `root` without booting it (systemd-nspawn as a chroot with /proc)."""
    run(["systemd-nspawn", "--quiet", "--register=no", "--keep-unit", "-D", str(root),
         "-E", "DEBIAN_FRONTEND=noninteractive", *command], timeout_s=timeout_s)  # fmt: skip


def run_folder(work: Path, out: Path, arch: str) -> Path:
    """Where one run's system lives: one per output folder, so two runs never share one."""
    tag = hashlib.sha1(str(out.resolve()).encode()).hexdigest()[:8]  # noqa: S324 (a name)
    return work / f"run-{arch}-{tag}"


def fresh_copy(base: Path, target: Path) -> Path:
    """A copy of the base to install onto (the base itself is never changed)."""
    if target.exists():
        shutil.rmtree(target)
    run(["cp", "-a", "--reflink=auto", str(base), str(target)])
    (target / ".field-ready").unlink(missing_ok=True)
    copy_host_pip_settings(target)
    (target / "etc/hostname").write_text("kiosk-field\n")
    # As Raspberry Pi OS has it, so sudo can resolve its own host name.
    (target / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 kiosk-field\n")
    return target


def copy_release(root: Path, source: Path = REPO) -> Path:
    """The files git tracks (and new ones it does not ignore), as they are now, into the guest."""
    listed = subprocess.run(
        ["git", "-C", str(source), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    target = root / RELEASE_IN_GUEST.lstrip("/")
    if target.exists():
        shutil.rmtree(target)
    for name in filter(None, listed.decode().split("\0")):
        origin = source / name
        if not origin.is_file() or name.startswith("field/out"):
            continue  # deleted in the working tree, or the rig's own output
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target / name)
    if not (target / "scripts/install_pi.py").exists():
        raise RigError(f"{source} does not look like the kiosk's repository")
    return target
