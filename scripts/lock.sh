#!/usr/bin/env bash
# Compile the locked installs in requirements/ from pyproject.toml, with hashes (`make lock`).
#
#   scripts/lock.sh                     keep today's pins; add or drop what pyproject.toml changed
#   scripts/lock.sh --upgrade           every package to the newest version pyproject.toml allows
#   scripts/lock.sh --upgrade-package ruff
#
# dev is resolved first and the other sets are constrained by it, so a package has the same
# version in every set. kiosk, dev, records and build hold for any platform (markers inside);
# pi is resolved for the Raspberry Pi itself: linux aarch64, Python 3.11 (Bookworm).
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-.venv/bin/uv}
compile=("$uv" pip compile --quiet --generate-hashes --no-header --python-version 3.11 "$@")
"${compile[@]}" --universal --extra dev pyproject.toml -o requirements/dev.txt
"${compile[@]}" --universal -c requirements/dev.txt pyproject.toml -o requirements/kiosk.txt
"${compile[@]}" --universal -c requirements/dev.txt --extra records pyproject.toml \
  -o requirements/records.txt
"${compile[@]}" --python-platform aarch64-unknown-linux-gnu -c requirements/dev.txt --extra pi \
  pyproject.toml -o requirements/pi.txt
"${compile[@]}" --universal requirements/build.in -o requirements/build.txt
