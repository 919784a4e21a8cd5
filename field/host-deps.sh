#!/usr/bin/env bash
# The Debian packages the field rig needs on the host, if any are missing (idempotent, as root).
set -euo pipefail
packages=(debootstrap systemd-container qemu-system-x86 qemu-user-static e2fsprogs util-linux)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "field: run as root to install: ${missing[*]}" >&2
  exit 1
fi
echo "field: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
