"""The field rig: the kiosk installed and run as deployed, checked from outside.

    sudo python3 -m field container   # Bookworm booted with systemd in a container (~8 min)
    sudo python3 -m field vm          # the same system in a VM with a screen, screenshots (~10 min)
    sudo python3 -m field all         # both, the VM booting the container's installed system
    sudo python3 -m field arm64       # install into an arm64 root through qemu-user (~25 min)

`make field-test` runs `all`; `make field-test-arm64` runs `arm64`. Output (logs, screenshots,
verdicts) goes to field/out/; debootstrap's bases are cached in /var/tmp/kiosk-field. Needs root
and Debian's debootstrap, systemd-container, qemu-system-x86, qemu-user-static (field/host-deps.sh).
docs/field-test.md says what each check shows and what the rig stubs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from field.host import REPO, RigError, Verdicts, require_root_and_tools, say

WORK = Path("/var/tmp/kiosk-field")  # noqa: S108 (root's cache of debootstrap bases, kept on purpose)
TOOLS = {
    "container": ["debootstrap", "systemd-nspawn", "nsenter"],
    "vm": ["debootstrap", "systemd-nspawn", "nsenter", "qemu-system-x86_64", "mkfs.ext4"],
    "arm64": ["debootstrap", "systemd-nspawn", "qemu-aarch64-static"],
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 -m field", description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=("container", "vm", "all", "arm64"))
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--out", type=Path, default=REPO / "field" / "out")
    parser.add_argument(
        "--release",
        type=Path,
        default=REPO,
        help="the checkout to install (default: this one); e.g. a worktree of an older commit, "
        "to see a check fail before a fix",
    )
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    verdicts = Verdicts(args.out / "verdicts.log")
    try:
        require_root_and_tools(TOOLS["vm" if args.what == "all" else args.what])
        _prepare_host()
        _run(args.what, args.work, args.out, args.release, verdicts)
    except RigError as exc:
        verdicts.check("the rig ran to the end", False, str(exc))
    failed = verdicts.summary()
    if not failed:
        _tidy(args.work, args.out)
    return failed


def _tidy(work: Path, out: Path) -> None:
    """A passing run's systems and disk image go (a few GB each); a failing run's stay, to look
    into (`systemd-nspawn -D <folder>`), and go at the next run from the same output folder."""
    from field.rootfs import run_folder

    for arch in ("amd64", "arm64"):
        shutil.rmtree(run_folder(work, out, arch), ignore_errors=True)
    (work / "vm-amd64.img").unlink(missing_ok=True)


def _run(what: str, work: Path, out: Path, release: Path, verdicts: Verdicts) -> None:
    if what == "arm64":
        from field.arm64 import install_and_check_arm64

        install_and_check_arm64(work, out, release, verdicts)
        return
    from field.installed import install_and_check

    box = install_and_check(work, out, release, verdicts)
    box.stop()
    if what in ("vm", "all"):
        from field.vm import boot_and_look

        boot_and_look(box.root, work, out, verdicts)


def _prepare_host() -> None:
    """systemd-nspawn keeps its propagation folder in /run; where /run is not a tmpfs (a host
    whose PID 1 is not systemd) it cannot clean it up, so give it one."""
    from field.host import run

    folder = Path("/run/systemd/nspawn")
    folder.mkdir(parents=True, exist_ok=True)
    mounts = Path("/proc/mounts").read_text().split("\n")
    if not any(line.split()[1:2] == [str(folder)] for line in mounts if line):
        run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", str(folder)], quiet=True)
    say("host ready")


if __name__ == "__main__":
    sys.exit(main())
