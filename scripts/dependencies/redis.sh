#!/usr/bin/env bash
# Redis, in memory only: tests and `make up` need no persistence.

REDIS_HOST=127.0.0.1
REDIS_PORT=${SAASCRIPT_REDIS_PORT:-6379}

redis_install() { command -v redis-server >/dev/null || apt_install redis-server; }

redis_start() {
  if port_open "$REDIS_HOST" "$REDIS_PORT"; then
    log "redis: reusing the server on $REDIS_HOST:$REDIS_PORT"
    return 0
  fi
  redis_install
  log "redis: starting on $REDIS_HOST:$REDIS_PORT"
  start_daemon redis redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" \
    --save "" --appendonly no --dir "$SAASCRIPT_STATE"
  wait_until 20 "redis on $REDIS_PORT" port_open "$REDIS_HOST" "$REDIS_PORT" ||
    die_with_log redis "Redis did not start"
}

redis_stop() { stop_daemon redis; }

# Back to a fresh machine: the server as the machine starts it (running, only the default user,
# no keys), or, with --purge, not installed at all.
redis_reset() {
  redis_stop
  if [ "${1:-}" = --purge ]; then
    redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    apt_purge redis-server redis-tools
    rm -rf /var/lib/redis /var/log/redis /etc/redis
    return 0
  fi
  port_open "$REDIS_HOST" "$REDIS_PORT" || return 0
  local user
  for user in $(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" acl users); do
    [ "$user" = default ] || redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" acl deluser "$user" >/dev/null
  done
  redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" flushall >/dev/null
}
redis_status() { port_open "$REDIS_HOST" "$REDIS_PORT"; }
redis_env() { echo "REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT"; }
