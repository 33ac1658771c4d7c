#!/usr/bin/env bash
# Debian's Chromium for the browser test: installs the packages chromium and chromium-driver when
# missing, then prints the browser's path (make test puts it in KAKACLO_CHROMIUM). Playwright drives
# this browser; its own browser download is never used.
set -euo pipefail
BROWSER=${KAKACLO_CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$BROWSER" ]; then
  echo "installing Chromium from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >&2
fi
[ -x "$BROWSER" ] || { echo "no browser at $BROWSER" >&2; exit 1; }
echo "$BROWSER"
