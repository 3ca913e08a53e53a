#!/usr/bin/env bash
# An SMTP sink (aiosmtpd from PyPI): accepts every message and stores it as an .eml file in
# $SMTP_MAILDIR, where tests read the mail that the mailer sent.

SMTP_HOST=127.0.0.1
SMTP_PORT=${SAASCRIPT_SMTP_PORT:-2525}
SMTP_VENV=$SAASCRIPT_CACHE/aiosmtpd-venv
SMTP_MAILDIR=$SAASCRIPT_STATE/mail
# The running sink's maildir, machine-wide, so that another clone reusing the sink reads the
# right directory.
SMTP_POINTER=${SAASCRIPT_SMTP_POINTER:-$SAASCRIPT_CACHE/smtp-maildir}

smtp_install() {
  [ -x "$SMTP_VENV/bin/python" ] && "$SMTP_VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null && return 0
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv
  log "smtp: installing aiosmtpd with pip"
  python3 -m venv "$SMTP_VENV" || die "cannot create $SMTP_VENV"
  "$SMTP_VENV/bin/pip" install --quiet --disable-pip-version-check aiosmtpd || die "pip install aiosmtpd failed"
}

smtp_start() {
  if port_open "$SMTP_HOST" "$SMTP_PORT"; then
    log "smtp: reusing the sink on $SMTP_HOST:$SMTP_PORT"
    return 0
  fi
  smtp_install
  log "smtp: starting the aiosmtpd sink on $SMTP_HOST:$SMTP_PORT (mail in $SMTP_MAILDIR)"
  mkdir -p "$SMTP_MAILDIR"
  start_daemon smtp "$SMTP_VENV/bin/python" "$SAASCRIPT_ROOT/scripts/smtp_sink.py" \
    --host "$SMTP_HOST" --port "$SMTP_PORT" --maildir "$SMTP_MAILDIR"
  echo "$SMTP_MAILDIR" >"$SMTP_POINTER"
  wait_until 30 "the SMTP sink on $SMTP_PORT" port_open "$SMTP_HOST" "$SMTP_PORT" ||
    die_with_log smtp "the SMTP sink did not start"
}

smtp_stop() {
  daemon_alive smtp && rm -f "$SMTP_POINTER"
  stop_daemon smtp
}
# Back to a fresh machine: no sink, no mail and no virtualenv.
smtp_reset() { smtp_stop; rm -rf "$SMTP_VENV" "$SMTP_MAILDIR"; }
smtp_status() { port_open "$SMTP_HOST" "$SMTP_PORT"; }
smtp_env() {
  # A sink started by another clone writes where that clone said.
  local maildir=$SMTP_MAILDIR
  [ -f "$SMTP_POINTER" ] && maildir=$(cat "$SMTP_POINTER")
  echo "SMTP_URL=smtp://$SMTP_HOST:$SMTP_PORT"
  echo "SMTP_MAILDIR=$maildir"
}
