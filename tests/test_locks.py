"""The locked installs (requirements/, made by `make lock`): every pin has its hashes, a package has
one version across the sets, and this environment (installed by `make setup`) holds exactly the
versions requirements/dev.txt names."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker

LOCKS = Path(__file__).parent.parent / "requirements"
SETS = ("build", "kiosk", "pi", "records", "dev")
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)(?: ; (.*?))? \\$")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def pins(lock: str) -> dict[str, tuple[str, str]]:
    """name -> (version, environment marker or '') for every package the lock file pins."""
    found = {}
    for line in (LOCKS / f"{lock}.txt").read_text().splitlines():
        if match := PIN.match(line):
            found[_name(match[1])] = (match[2], match[3] or "")
    return found


@pytest.mark.parametrize("lock", SETS)
def test_every_pin_carries_its_hashes(lock: str) -> None:
    text = (LOCKS / f"{lock}.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert len(entries) == len(pins(lock)) > 1
    for entry in entries:
        assert "--hash=sha256:" in entry, f"{lock}: {entry.splitlines()[0]} has no hash"


def test_a_package_has_one_version_in_every_set() -> None:
    dev = pins("dev")
    for lock in ("kiosk", "pi", "records"):
        for name, (version, _) in pins(lock).items():
            if name in dev:
                assert dev[name][0] == version, f"{name}: {lock} {version}, dev {dev[name][0]}"


def test_this_environment_is_exactly_the_dev_lock() -> None:
    wrong = {}
    for name, (version, marker) in pins("dev").items():
        if marker and not Marker(marker).evaluate():
            continue  # not for this machine
        installed = metadata.version(name)
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"locked vs installed (run `make setup`): {wrong}"
