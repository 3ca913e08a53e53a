#!/usr/bin/env bash
# A browser for the web UI's browser tests: Debian's chromium, driven by playwright-core (which
# never downloads a browser of its own). Nothing runs in the background: each test starts it.

CHROMIUM_BIN=${CHROMIUM:-/usr/bin/chromium}

chromium_start() {
  if [ -x "$CHROMIUM_BIN" ]; then
    log "chromium: reusing $CHROMIUM_BIN"
    return 0
  fi
  apt_install chromium
  [ -x "$CHROMIUM_BIN" ] || die "Debian's chromium is not at $CHROMIUM_BIN after installing it"
}
chromium_stop() { :; }
# Back to a fresh machine: only --purge has something to undo (the package).
chromium_reset() { [ "${1:-}" = --purge ] && apt_purge chromium chromium-common chromium-sandbox; return 0; }
chromium_status() { [ -x "$CHROMIUM_BIN" ]; }
chromium_env() { echo "CHROMIUM=$CHROMIUM_BIN"; }
