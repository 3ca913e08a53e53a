#!/usr/bin/env bash
# A Stripe fake that keeps state: localstripe (PyPI), in its own virtualenv.

STRIPE_HOST=127.0.0.1
STRIPE_PORT=${SAASCRIPT_STRIPE_PORT:-8420}
LOCALSTRIPE_VENV=$SAASCRIPT_CACHE/localstripe-venv

stripe_install() {
  [ -x "$LOCALSTRIPE_VENV/bin/localstripe" ] && return 0
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  log "stripe: installing localstripe with pip"
  python3 -m venv "$LOCALSTRIPE_VENV" || die "cannot create $LOCALSTRIPE_VENV"
  "$LOCALSTRIPE_VENV/bin/pip" install --quiet --disable-pip-version-check localstripe ||
    die "pip install localstripe failed"
}

stripe_start() {
  if port_open "$STRIPE_HOST" "$STRIPE_PORT"; then
    log "stripe: reusing the fake on $STRIPE_HOST:$STRIPE_PORT"
    return 0
  fi
  stripe_install
  log "stripe: starting localstripe on $STRIPE_HOST:$STRIPE_PORT"
  # Through our launcher: the store lives in this clone and is written atomically
  # (see localstripe_run.py for what goes wrong with localstripe's own /tmp file).
  start_daemon stripe "$LOCALSTRIPE_VENV/bin/python" "$SAASCRIPT_ROOT/scripts/dependencies/localstripe_run.py" \
    "$SAASCRIPT_STATE/stripe/store.pickle" --host "$STRIPE_HOST" --port "$STRIPE_PORT"
  wait_until 30 "localstripe on $STRIPE_PORT" port_open "$STRIPE_HOST" "$STRIPE_PORT" ||
    die_with_log stripe "localstripe did not start"
}

stripe_stop() { stop_daemon stripe; }
# Back to a fresh machine: no fake, no store and no virtualenv.
stripe_reset() { stripe_stop; rm -rf "$LOCALSTRIPE_VENV" "$SAASCRIPT_STATE/stripe"; }
stripe_status() { port_open "$STRIPE_HOST" "$STRIPE_PORT"; }
stripe_env() { echo "STRIPE_API_BASE=http://$STRIPE_HOST:$STRIPE_PORT"; }
