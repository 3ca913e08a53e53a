#!/usr/bin/env bash
# PostgreSQL. Reuses a server that answers on the port; otherwise runs a private cluster
# (initdb + pg_ctl) under the state directory, with a password-protected superuser and
# scram-sha-256 on TCP, so that credentials mean something there.

PG_HOST=127.0.0.1
PG_PORT=${SAASCRIPT_PG_PORT:-5432}
PG_USER=postgres
PG_PASSWORD=${SAASCRIPT_PG_PASSWORD:-postgres}
PG_DATA=$SAASCRIPT_STATE/postgres

postgres_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

postgres_install() {
  [ -n "$(postgres_bindir)" ] && command -v psql >/dev/null && return 0
  apt_install postgresql postgresql-client
}

postgres_start() {
  if port_open "$PG_HOST" "$PG_PORT"; then
    log "postgres: reusing the server on $PG_HOST:$PG_PORT"
    return 0
  fi
  postgres_install
  local bin; bin=$(postgres_bindir)
  # PostgreSQL refuses to run as root; the Debian package creates the postgres user.
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "postgres: creating a private cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    local pwfile; pwfile=$(mktemp)
    echo "$PG_PASSWORD" >"$pwfile"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_DATA" "$pwfile"
    "${as[@]}" "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null || die "initdb failed"
    rm -f "$pwfile"
  fi
  log "postgres: starting the private cluster on $PG_HOST:$PG_PORT"
  mkdir -p "$SAASCRIPT_STATE/logs"
  local logfile=$SAASCRIPT_STATE/logs/postgres.log
  touch "$logfile"; [ "$(id -u)" = 0 ] && chown postgres "$logfile"
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DATA" -l "$logfile" -w -t 60 \
    -o "-c listen_addresses=$PG_HOST -p $PG_PORT -c unix_socket_directories=$PG_DATA -c max_connections=300" \
    start >/dev/null || die "PostgreSQL did not start; see $logfile"
  echo "private" >"$SAASCRIPT_STATE/pids/postgres.kind"
}

postgres_stop() {
  [ -f "$SAASCRIPT_STATE/pids/postgres.kind" ] || return 0
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$(postgres_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -f "$SAASCRIPT_STATE/pids/postgres.kind"
}

postgres_status() { port_open "$PG_HOST" "$PG_PORT"; }
postgres_env() { echo "DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/postgres"; }
