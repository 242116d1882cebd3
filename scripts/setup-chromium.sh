#!/usr/bin/env bash
# Debian's Chromium for the admin panel's browser tests (driven by playwright-core). Needs root for apt-get.
LOG_TAG=chromium; source "$(dirname "$0")/lib.sh"

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then log "Chromium already installed at $CHROMIUM"; exit 0; fi
[ "$(id -u)" = 0 ] || die "Chromium is missing at $CHROMIUM: install it with \`sudo apt-get install -y chromium\` (or set CHROMIUM_PATH)"
log "installing Chromium from Debian (about a minute)"
apt_install chromium
log "Chromium installed at $CHROMIUM"
