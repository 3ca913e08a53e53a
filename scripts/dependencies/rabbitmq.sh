#!/usr/bin/env bash
# RabbitMQ with the management plugin: the operator creates vhosts, users and permissions
# through the management HTTP API.

RABBITMQ_HOST=127.0.0.1
RABBITMQ_PORT=${SAASCRIPT_RABBITMQ_PORT:-5672}
RABBITMQ_MGMT_PORT=${SAASCRIPT_RABBITMQ_MGMT_PORT:-15672}

rabbitmq_install() { command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server; }

# rabbitmq-plugins run as root writes enabled_plugins readable by root only, and the node, which
# runs as the rabbitmq user, then crashes at boot (cannot_read_enabled_plugins_file, eacces).
rabbitmq_fix_plugins_file() {
  local file=/etc/rabbitmq/enabled_plugins
  [ -f "$file" ] || return 0
  chmod 0644 "$file" 2>/dev/null || true
  chown rabbitmq:rabbitmq "$file" 2>/dev/null || true
}

rabbitmq_mgmt_ok() {
  curl -fsS -u guest:guest "http://$RABBITMQ_HOST:$RABBITMQ_MGMT_PORT/api/overview" >/dev/null
}

rabbitmq_start() {
  if port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then
    log "rabbitmq: reusing the broker on $RABBITMQ_HOST:$RABBITMQ_PORT"
  else
    rabbitmq_install
    log "rabbitmq: starting on $RABBITMQ_HOST:$RABBITMQ_PORT"
    rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
    rabbitmq_fix_plugins_file
    # The Debian wrapper switches to the rabbitmq user and daemonises the node.
    RABBITMQ_NODE_IP_ADDRESS=$RABBITMQ_HOST RABBITMQ_NODE_PORT=$RABBITMQ_PORT \
      rabbitmq-server -detached >>"$SAASCRIPT_STATE/logs/rabbitmq.log" 2>&1
    echo started >"$SAASCRIPT_STATE/pids/rabbitmq.kind"
    wait_until 90 "rabbitmq on $RABBITMQ_PORT" port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT" ||
      die "RabbitMQ did not start; see /var/log/rabbitmq/"
  fi
  if ! rabbitmq_mgmt_ok 2>/dev/null; then
    log "rabbitmq: enabling the management plugin (port $RABBITMQ_MGMT_PORT)"
    # The CLI reads the file as the rabbitmq user too: a root-only file fails with eacces.
    # The CLI (as root) rewrites the file root-only before the node reads it, so the first try
    # can fail with eacces after writing; with the file readable again, the second applies it.
    local tries=0
    until rabbitmq_fix_plugins_file && rabbitmq-plugins enable rabbitmq_management >/dev/null; do
      tries=$((tries + 1))
      ((tries < 3)) ||
        die "cannot enable rabbitmq_management; run: rabbitmq-plugins enable rabbitmq_management"
      log "rabbitmq: enabling the plugin again, with /etc/rabbitmq/enabled_plugins readable"
    done
    rabbitmq_fix_plugins_file
    wait_until 60 "the RabbitMQ management API" rabbitmq_mgmt_ok ||
      die "the RabbitMQ management API did not answer on $RABBITMQ_MGMT_PORT"
  fi
}

rabbitmq_stop() {
  [ -f "$SAASCRIPT_STATE/pids/rabbitmq.kind" ] || return 0
  rabbitmqctl stop >/dev/null 2>&1 || true
  rm -f "$SAASCRIPT_STATE/pids/rabbitmq.kind"
}

rabbitmq_status() { port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT" && rabbitmq_mgmt_ok 2>/dev/null; }
rabbitmq_env() {
  echo "AMQP_URL=amqp://guest:guest@$RABBITMQ_HOST:$RABBITMQ_PORT/%2f"
  echo "RABBITMQ_MGMT_URL=http://guest:guest@$RABBITMQ_HOST:$RABBITMQ_MGMT_PORT"
}
