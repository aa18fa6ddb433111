#!/bin/sh
# Debian packages the tests talk to: the libimobiledevice tools and usbmuxd (interop with the
# virtual iPhone), Chromium (Playwright end-to-end), Apache mod_dav and rclone (real WebDAV
# servers), systemd (systemd-analyze verify checks the service unit). Idempotent; needs root (or sudo) on Debian 12 / Ubuntu.
set -eu
PACKAGES="libimobiledevice-utils usbmuxd libplist-utils chromium apache2 rclone systemd"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "system packages: all present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
