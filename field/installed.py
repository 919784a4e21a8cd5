"""The container scenario: install the kiosk as docs/deploy.md says, then check it as deployed.

In order: the installer's dry run, the install, the reboot the docs ask for; then what a person
installing would rely on (the unit up with READY=1, the database where the unit and the CLI both
look, a badge enrolled at the CLI recognised by the running kiosk, lgpio loading from `/`, the
timers and their services, the watchdog sparing a busy kiosk and restarting a hung one, sync under
its hardening to a records service); then an upgrade (a new release with a changed unit) and a
third run that changes nothing.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from field.container import Container
from field.host import Verdicts, say
from field.records import RecordsService
from field.rootfs import RELEASE_IN_GUEST, base_system, copy_release, fresh_copy, run_folder

K = "sudo -u kiosk /opt/kiosk/venv/bin/kiosk"  # docs/deploy.md's operator command
INSTALL = f"cd {RELEASE_IN_GUEST} && sudo python3 scripts/install_pi.py"
MANAGER_UID, UNKNOWN_UID = "04A1B2C3D4E5F6", "DEADBEEF"
SCREEN = (
    "cd / && sudo -u kiosk /opt/kiosk/venv/bin/python -c 'from kiosk.config import load_config;"
    " from kiosk.ui.control import request, control_socket_path;"
    ' print(request(control_socket_path(load_config().tap_socket_path), "SCREEN"))\''
)


def install_and_check(work: Path, out: Path, release: Path, verdicts: Verdicts) -> Container:
    """Boot a fresh Bookworm, install as the docs say, check; the container is left running."""
    root = fresh_copy(base_system(work, "amd64"), run_folder(work, out, "amd64"))
    copy_release(root, release)
    box = Container(root, out / "container.log")
    box.boot()
    _install(box, verdicts)
    took = box.reboot()  # docs/deploy.md step 4
    _after_boot(box, verdicts, took)
    _operator_commands(box, verdicts)
    _lgpio_from_root(box, verdicts)
    _timers(box, verdicts)
    _watchdog(box, verdicts)
    with RecordsService(out) as records:
        _sync(box, verdicts, records)
    _upgrade(box, verdicts)
    return box


def _install(box: Container, verdicts: Verdicts) -> None:
    dry = box.sh(f"{INSTALL} --dry-run", check=False)
    verdicts.check("installer --dry-run runs and installs nothing", dry.returncode == 0
                   and box.sh("test ! -e /opt/kiosk", check=False).returncode == 0)  # fmt: skip
    started = time.monotonic()
    first = box.sh(f"{INSTALL} --rotate 0", check=False, timeout_s=3600)
    lines = (first.stdout + first.stderr).strip().splitlines()
    verdicts.check(f"install, first run ({time.monotonic() - started:.0f} s)",
                   first.returncode == 0, lines[-1] if lines else "")  # fmt: skip
    summary = [ln for ln in lines if ln.startswith("hw-check:")]
    verdicts.check("installer ends with hw-check's summary", bool(summary), " / ".join(
        ln for ln in lines if re.match(r"^(PASS|FAIL|SKIP)\s", ln)))  # fmt: skip
    db = box.sh("stat -c '%U %a' /var/lib/kiosk/kiosk.db", check=False).stdout.strip()
    stray = box.sh("ls /var/lib/kiosk/.local /root/.local/share/kiosk", check=False)
    verdicts.check("database at /var/lib/kiosk/kiosk.db, the kiosk user's, mode 0600",
                   db == "kiosk 600" and stray.returncode != 0, db or "missing")  # fmt: skip


def _after_boot(box: Container, verdicts: Verdicts, boot_s: float) -> None:
    up_s = box.wait_for("systemctl is-active --quiet kiosk.service", timeout_s=120)
    state = box.show("kiosk.service", "ActiveState", "StatusText", "NeedDaemonReload")
    verdicts.check("after the reboot kiosk.service is active (Type=notify: READY=1 received)",
                   state.get("ActiveState") == "active",
                   f"{state} ({boot_s:.1f} s to boot, then {up_s or -1:.1f} s)")  # fmt: skip
    verdicts.check(
        "READY=1 came with the home screen drawn",
        state.get("StatusText") == "home screen shown",
        state.get("StatusText", ""),
    )
    screen = box.sh(SCREEN, check=False).stdout.strip()
    verdicts.check("the running kiosk shows its home screen", screen == "home", screen)


def _operator_commands(box: Container, verdicts: Verdicts) -> None:
    """docs/deploy.md "First run": staff, badge and PIN at the CLI, then a tap at the kiosk."""
    box.sh(f'{K} staff add "Amara Okafor" --role manager --locker 1')
    box.sh(f'{K} staff badge "Amara Okafor" {MANAGER_UID}')
    box.sh(f'printf "258036\\n258036\\n" | {K} manager pin "Amara Okafor"')
    box.sh(f"{K} tap {MANAGER_UID}")
    enrolled = _screen_after_tap(box)
    box.sh(f"{K} tap {UNKNOWN_UID}")
    unknown = _screen_after_tap(box, not_=enrolled)
    count = box.sh(
        "sudo -u kiosk sqlite3 -readonly /var/lib/kiosk/kiosk.db "
        "\"select count(*) from events where kind = 'badge.unknown'\""
    ).stdout.strip()
    verdicts.check(
        "a badge enrolled with `sudo -u kiosk kiosk staff badge` is recognised by the service",
        enrolled not in ("home", unknown) and count == "1",
        f"enrolled badge -> {enrolled}, unknown badge -> {unknown}; unknown-badge events: {count}",
    )


def _screen_after_tap(box: Container, not_: str = "home") -> str:
    for _ in range(40):
        screen = box.sh(SCREEN, check=False).stdout.strip()
        if screen and screen != not_:
            return screen
        time.sleep(0.25)
    return not_


def _lgpio_from_root(box: Container, verdicts: Verdicts) -> None:
    """lgpio makes a pipe in its working directory on import; from `/` the kiosk user cannot.
    Checked through the product's own path (keep_gpio_files_in, as `kiosk run` and `hw-check` call
    it) and in the running service (its working directory and LG_WD)."""
    python = "cd / && sudo -u kiosk /opt/kiosk/venv/bin/python -c"
    bare = box.sh(f"{python} 'import lgpio'", check=False)
    ours = box.sh(
        f"{python} 'from kiosk.config import load_config; from kiosk.hardware import "
        "keep_gpio_files_in; keep_gpio_files_in(load_config().data_dir); import lgpio'",
        check=False,
    )
    pid = box.show("kiosk.service", "MainPID")["MainPID"]
    cwd = box.sh(f"readlink /proc/{pid}/cwd", check=False).stdout.strip()
    env = box.sh(f"tr '\\0' '\\n' < /proc/{pid}/environ | grep ^LG_WD=", check=False)
    verdicts.check(
        "lgpio imports for the kiosk user from / (the CLI's path, and the service's folder)",
        ours.returncode == 0 and cwd == "/var/lib/kiosk" and env.stdout.strip() != "",
        f"bare `import lgpio` from /: exit {bare.returncode} ({_line(bare.stderr, 'Error')}); "
        f"with the kiosk's folder: exit {ours.returncode}; service cwd {cwd}, {env.stdout.strip()}",
    )


def _line(text: str, word: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if word in ln), "")


def _timers(box: Container, verdicts: Verdicts) -> None:
    active = box.sh("systemctl is-active kiosk-backup.timer kiosk-purge.timer", check=False)
    verdicts.check("backup and purge timers active", active.returncode == 0,
                   " ".join(active.stdout.split()))  # fmt: skip
    for unit in ("kiosk-backup.service", "kiosk-purge.service"):
        box.sh(f"systemctl start {unit}", check=False, timeout_s=300)
        result = box.show(unit, "Result", "ExecMainStatus")
        verdicts.check(f"{unit} runs under its hardening", result.get("Result") == "success",
                       str(result))  # fmt: skip


def _watchdog(box: Container, verdicts: Verdicts) -> None:
    before = box.show("kiosk.service", "MainPID", "NRestarts")
    pid = before["MainPID"]
    box.sh(f"kill -STOP {pid}; sleep 9; kill -CONT {pid}")  # a busy, not hung, kiosk
    time.sleep(35)  # longer than WatchdogSec=30 after the stall: a late ping would have killed it
    after = box.show("kiosk.service", "MainPID", "NRestarts", "ActiveState")
    verdicts.check("a 9 s stall does not get the kiosk killed by its watchdog",
                   after["MainPID"] == pid and after["NRestarts"] == before["NRestarts"],
                   f"{before} -> {after}")  # fmt: skip
    started = time.monotonic()
    box.sh(f"kill -STOP {pid}")  # hung
    back = box.wait_for(
        f"test \"$(systemctl show kiosk.service -p MainPID --value)\" != {pid} && "
        "systemctl is-active --quiet kiosk.service", timeout_s=180)  # fmt: skip
    result = box.show("kiosk.service", "NRestarts", "StatusText")
    verdicts.check("a hung kiosk is killed by the watchdog and back on its home screen",
                   back is not None and result.get("StatusText") == "home screen shown",
                   f"back {time.monotonic() - started:.1f} s after the hang; {result}")  # fmt: skip


def _sync(box: Container, verdicts: Verdicts, records: RecordsService) -> None:
    token = records.token_for("entrance-1")
    box.sh(f"install -o kiosk -g kiosk -m 0600 /dev/stdin /etc/kiosk/secrets/records.token "
           f"<<< '{token}'")  # fmt: skip
    box.sh(
        'sed -i -e \'s|^url = ""|url = "' + records.url + "\"|' "
        '-e \'s|^token_file = ""|token_file = "/etc/kiosk/secrets/records.token"|\' '
        "-e 's|^allow_plain_http = false|allow_plain_http = true|' /etc/kiosk/kiosk.toml"
    )
    box.sh("systemctl enable --now kiosk-sync.service")
    local = _local_events(box)
    arrived = records.wait_for_events("entrance-1", local, timeout_s=120)
    local = _local_events(box)  # anything recorded meanwhile must arrive too
    arrived = records.wait_for_events("entrance-1", local, timeout_s=60)
    exposure = box.sh("systemd-analyze security kiosk-sync.service --no-pager | tail -1",
                      check=False).stdout.strip()  # fmt: skip
    verdicts.check("kiosk-sync, under its hardening, delivers every event to the records service",
                   arrived == local, f"{arrived} of {local} events; {exposure}")  # fmt: skip


def _local_events(box: Container) -> int:
    status = box.sh(f"{K} status --json").stdout
    return int(json.loads(status)["events"])


def _upgrade(box: Container, verdicts: Verdicts) -> None:
    """A new release: new code under the same version number, and a changed unit."""
    pid = box.show("kiosk.service", "MainPID")["MainPID"]
    release = RELEASE_IN_GUEST
    box.sh(f"echo 'FIELD_RELEASE = \"upgrade-2\"' >> {release}/kiosk/__init__.py && "
           f"echo '# field test: a changed unit' >> {release}/systemd/kiosk.service")  # fmt: skip
    second = box.sh(f"{INSTALL} --rotate 0", check=False, timeout_s=3600)
    state = box.show("kiosk.service", "MainPID", "ActiveState", "NeedDaemonReload")
    new_code = box.sh("grep -q upgrade-2 /opt/kiosk/venv/lib/python3*/site-packages/kiosk/"
                      "__init__.py", check=False).returncode == 0  # fmt: skip
    verdicts.check("upgrade: units reloaded, the kiosk restarted onto the new release",
                   second.returncode == 0 and state["NeedDaemonReload"] == "no"
                   and state["MainPID"] != pid and state["ActiveState"] == "active" and new_code,
                   f"{state}; new code installed: {new_code}")  # fmt: skip
    third = box.sh(f"{INSTALL} --rotate 0", check=False, timeout_s=3600)
    last = (third.stdout.strip().splitlines() or [""])[-1]
    same = box.show("kiosk.service", "MainPID")["MainPID"] == state["MainPID"]
    verdicts.check("a third run changes nothing and leaves the kiosk running",
                   third.returncode == 0 and "0 change(s)" in last and same, last)  # fmt: skip
    say("container checks done")
