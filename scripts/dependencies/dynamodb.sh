#!/usr/bin/env bash
# A DynamoDB-compatible server: dynalite (npm), in memory.

DYNAMODB_HOST=127.0.0.1
DYNAMODB_PORT=${SAASCRIPT_DYNAMODB_PORT:-8000}
DYNALITE_PREFIX=$SAASCRIPT_CACHE/dynalite

dynamodb_install() {
  [ -x "$DYNALITE_PREFIX/node_modules/.bin/dynalite" ] && return 0
  command -v npm >/dev/null || apt_install nodejs npm
  log "dynamodb: installing dynalite with npm"
  mkdir -p "$DYNALITE_PREFIX"
  npm install --silent --no-audit --no-fund --prefix "$DYNALITE_PREFIX" dynalite@3 >/dev/null ||
    die "npm install dynalite failed"
}

dynamodb_start() {
  if port_open "$DYNAMODB_HOST" "$DYNAMODB_PORT"; then
    log "dynamodb: reusing the server on $DYNAMODB_HOST:$DYNAMODB_PORT"
    return 0
  fi
  dynamodb_install
  log "dynamodb: starting dynalite on $DYNAMODB_HOST:$DYNAMODB_PORT"
  # Through our launcher: dynalite's CLI ignores --host and takes the port on every address.
  start_daemon dynamodb node "$SAASCRIPT_ROOT/scripts/dependencies/dynalite_run.js" \
    "$DYNAMODB_HOST" "$DYNAMODB_PORT" "$DYNALITE_PREFIX"
  wait_until 30 "dynalite on $DYNAMODB_PORT" port_open "$DYNAMODB_HOST" "$DYNAMODB_PORT" ||
    die_with_log dynamodb "dynalite did not start"
}

dynamodb_stop() { stop_daemon dynamodb; }
# Back to a fresh machine: no server and no npm install.
dynamodb_reset() { dynamodb_stop; rm -rf "$DYNALITE_PREFIX"; }
dynamodb_status() { port_open "$DYNAMODB_HOST" "$DYNAMODB_PORT"; }
dynamodb_env() { echo "DYNAMODB_ENDPOINT=http://$DYNAMODB_HOST:$DYNAMODB_PORT"; }
