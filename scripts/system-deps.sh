#!/usr/bin/env bash
# Installs the Debian / Raspberry Pi OS packages the kiosk needs (`make run`), and with --test
# those its tests and benchmarks need too (`make test`), if any are missing.
# Idempotent and quiet when everything is there; uses sudo when not run as root.
set -euo pipefail

packages=(
  python3 python3-venv                   # the virtual environment
  libegl1 libgl1-mesa-dri libgbm1 libmtdev1  # Kivy's window: Mesa EGL for SDL offscreen (no display)
  fonts-noto-ui-core                     # Arabic, Urdu, Punjabi (Gurmukhi), Bengali on the screens
)
if [ "${1:-}" = "--test" ]; then
  packages+=(
    python3-dev gcc                      # the real mfrc522 driver's RPi.GPIO and evdev compile
    sqlite3                              # `make bench` compares the export with sqlite3 -csv
    systemd                              # systemd-analyze verifies the units in systemd/
    postgresql                           # the records service's tests and bench (issue 5)
    chromium chromium-driver             # the manager's web page in a real browser (issue 5)
    openssl                              # a private CA for the pusher's TLS test
  )
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "system-deps: please install: ${missing[*]} (no apt-get here)" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "system-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
