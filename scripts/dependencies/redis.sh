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
redis_status() { port_open "$REDIS_HOST" "$REDIS_PORT"; }
redis_env() { echo "REDIS_URL=redis://$REDIS_HOST:$REDIS_PORT"; }
