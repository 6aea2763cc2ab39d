#!/usr/bin/env bash
# Installs the Debian packages RA needs that are missing, with apt as root or through sudo, saying
# which; names them and how to install them when it cannot.
#   product  what `npm start` needs: Xvfb and xterm for the virtual desktop, ffmpeg (libvpx) for the screen's VP9 video,
#            and xdg-utils to hand e-mail invitations to the mail program and to install the desktop integration
#   test     what `npm test` needs: those, xdotool, xdpyinfo, xwd (x11-apps), xmodmap (x11-xserver-utils), xinput and Chromium,
#            and for the NAT lab (test/src/nat, network namespaces, as root): ip (iproute2), iptables, nft (nftables)
#            and miniupnpd (miniupnpd-nftables, which ships no service: the lab starts it),
#            and redis-server for the messenger's scale-out specs (they start their own; no service is needed),
#            desktop-file-utils (desktop-file-validate) and libfile-mimeinfo-perl (mimetype, which xdg-utils needs to
#            know an invitation file in a session without a desktop environment) for the desktop integration's specs
#   all      those, and TigerVNC's x0vncserver, websockify and noVNC for `npm run bench:screen` (the default)
# For `product` a failure is only a warning: RA still runs, and says why helpers see no screen (or get exact pixels only).
set -euo pipefail
WHAT=${1:-all}
PACKAGES=(xvfb xterm ffmpeg xdg-utils)
BINARIES=(Xvfb xterm ffmpeg xdg-email)
case "$WHAT" in
  product) ;;
  test | all)
    PACKAGES+=(xdotool x11-utils x11-apps x11-xserver-utils xinput chromium iproute2 iptables nftables miniupnpd-nftables redis-server desktop-file-utils libfile-mimeinfo-perl)
    BINARIES+=(xdotool xdpyinfo xwd xmodmap xinput chromium ip iptables nft miniupnpd redis-server desktop-file-validate mimetype)
    if [ "$WHAT" = all ]; then PACKAGES+=(tigervnc-scraping-server websockify novnc); BINARIES+=(X0tigervnc websockify /usr/share/novnc/vnc_lite.html); fi
    ;;
  *) echo "usage: $0 [product|test|all]" >&2; exit 2 ;;
esac

missing=()
for i in "${!BINARIES[@]}"; do
  # A path names a file the package installs; anything else a command.
  if [[ "${BINARIES[$i]}" == /* ]]; then [ -e "${BINARIES[$i]}" ] || missing+=("${PACKAGES[$i]}")
  else command -v "${BINARIES[$i]}" >/dev/null 2>&1 || missing+=("${PACKAGES[$i]}"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

give_up() {
  echo "RA ($WHAT) needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  [ "$WHAT" = product ] && exit 0
  exit 1
}
# Root, sudo without a password, or sudo asking for one when someone is at the terminal.
if [ "$(id -u)" -eq 0 ]; then SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n)
elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then SUDO=(sudo)
else give_up
fi
command -v apt-get >/dev/null 2>&1 || give_up
echo "Installing the Debian packages RA ($WHAT) needs: ${missing[*]}"
apt=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq)
"${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null || give_up
