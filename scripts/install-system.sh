#!/usr/bin/env bash
# Installs the Debian packages RA's desktop, tests and benchmark need; names them when it cannot.
set -euo pipefail
PACKAGES=(xvfb xterm xdotool x11-utils x11-apps chromium tigervnc-scraping-server)
BINARIES=(Xvfb xterm xdotool xdpyinfo xwd chromium X0tigervnc)

missing=()
for i in "${!BINARIES[@]}"; do
  command -v "${BINARIES[$i]}" >/dev/null 2>&1 || missing+=("${PACKAGES[$i]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
  echo "RA needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
