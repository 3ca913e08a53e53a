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

# Back to a fresh machine. A private cluster of ours goes with its data. The machine's own
# server stays running with only what the machine made (databases postgres, test and root; roles
# postgres and root); with --purge it is stopped and not installed at all.
postgres_reset() {
  if [ -f "$SAASCRIPT_STATE/pids/postgres.kind" ]; then
    postgres_stop
    rm -rf "$PG_DATA"
  fi
  if [ "${1:-}" = --purge ]; then
    command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | while read -r version cluster _; do
      pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop >/dev/null 2>&1 || true
    done
    apt_purge 'postgresql' 'postgresql-client' 'postgresql-15' 'postgresql-client-15' postgresql-common postgresql-client-common
    rm -rf /var/lib/postgresql /etc/postgresql /var/log/postgresql
    return 0
  fi
  port_open "$PG_HOST" "$PG_PORT" || return 0
  local psql=(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -qtAX -v ON_ERROR_STOP=1)
  local db role
  for db in $(PGPASSWORD=$PG_PASSWORD "${psql[@]}" -c \
    "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname NOT IN ('postgres', 'test', 'root')"); do
    PGPASSWORD=$PG_PASSWORD "${psql[@]}" -c "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null
  done
  for role in $(PGPASSWORD=$PG_PASSWORD "${psql[@]}" -c \
    "SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname NOT IN ('postgres', 'root')"); do
    PGPASSWORD=$PG_PASSWORD "${psql[@]}" -c "DROP OWNED BY \"$role\"; DROP ROLE \"$role\"" >/dev/null
  done
}

postgres_status() { port_open "$PG_HOST" "$PG_PORT"; }
postgres_env() { echo "DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@$PG_HOST:$PG_PORT/postgres"; }
