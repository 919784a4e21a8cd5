"""A kiosk process for the crash test: taps staff in and out as fast as it can, and prints the id
of each event only after its commit has returned (what a screen would show as a tick)."""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.app import open_app
from kiosk.config import Config, KioskSection
from kiosk.domain.types import PolicyError, StaffId


def main(data_dir: str) -> None:
    app = open_app(Config(kiosk=KioskSection(data_dir=data_dir)))
    staff = [StaffId(2), StaffId(3), StaffId(4)]
    lockers = {StaffId(2): "2", StaffId(3): "3", StaffId(4): "4"}
    n = 0
    while True:
        who = staff[n % len(staff)]
        n += 1
        try:
            if who in app.kiosk.roll_call.now().staff_ids():
                done = app.kiosk.end_shift(who)
            else:
                done = app.kiosk.start_shift(who, ["phone"], locker=lockers[who])
        except PolicyError:
            continue
        sys.stdout.write(f"{done.event_id} {done.seq}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(str(Path(sys.argv[1])))
