#!/usr/bin/env bash
# RabbitMQ with the management plugin: the operator creates vhosts, users and permissions
# through the management HTTP API.
#
# Every RabbitMQ command runs as the rabbitmq user. Why: the CLI run as root writes
# /etc/rabbitmq/enabled_plugins as root, and the node (which runs as rabbitmq) then cannot read
# it (eacces), at boot or when it applies the plugin list. Written by the node's own user, the
# file is always readable by the node, so there is nothing to mend and no race to retry.

RABBITMQ_HOST=127.0.0.1
RABBITMQ_PORT=${SAASCRIPT_RABBITMQ_PORT:-5672}
RABBITMQ_MGMT_PORT=${SAASCRIPT_RABBITMQ_MGMT_PORT:-15672}
RABBITMQ_PLUGINS_FILE=/etc/rabbitmq/enabled_plugins

rabbitmq_install() { command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server; }

# rabbitmq_as_user COMMAND ARGS...: a RabbitMQ CLI command as the rabbitmq user, with its home
# (where the Erlang cookie is) so that it can talk to the running node.
rabbitmq_as_user() {
  local cmd=/usr/lib/rabbitmq/bin/$1; shift
  if [ "$(id -u)" = 0 ]; then
    runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq "$cmd" "$@"
  else
    sudo -u rabbitmq env HOME=/var/lib/rabbitmq "$cmd" "$@"
  fi
}

# A plugins file left by an earlier root-run CLI (ours before this fix, or someone's by hand)
# is handed to the node's user once; from then on only that user writes it.
rabbitmq_own_plugins_file() {
  [ -f "$RABBITMQ_PLUGINS_FILE" ] || return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo chown rabbitmq:rabbitmq "$RABBITMQ_PLUGINS_FILE"
  $sudo chmod 0644 "$RABBITMQ_PLUGINS_FILE"
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
    rabbitmq_own_plugins_file
    rabbitmq_as_user rabbitmq-plugins enable --offline rabbitmq_management >/dev/null ||
      die "cannot enable rabbitmq_management before start; run: runuser -u rabbitmq -- rabbitmq-plugins enable --offline rabbitmq_management"
    # The Debian wrapper switches to the rabbitmq user and daemonises the node.
    RABBITMQ_NODE_IP_ADDRESS=$RABBITMQ_HOST RABBITMQ_NODE_PORT=$RABBITMQ_PORT \
      rabbitmq-server -detached >>"$SAASCRIPT_STATE/logs/rabbitmq.log" 2>&1
    echo started >"$SAASCRIPT_STATE/pids/rabbitmq.kind"
    wait_until 90 "rabbitmq on $RABBITMQ_PORT" port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT" ||
      die "RabbitMQ did not start; see /var/log/rabbitmq/"
  fi
  if ! rabbitmq_mgmt_ok 2>/dev/null; then
    log "rabbitmq: enabling the management plugin on the running node (port $RABBITMQ_MGMT_PORT)"
    rabbitmq_own_plugins_file
    # Online: the CLI writes the file and asks the running node to apply it.
    rabbitmq_as_user rabbitmq-plugins enable rabbitmq_management >>"$SAASCRIPT_STATE/logs/rabbitmq.log" 2>&1 ||
      die_with_log rabbitmq "cannot enable rabbitmq_management; run: runuser -u rabbitmq -- rabbitmq-plugins enable rabbitmq_management"
    wait_until 60 "the RabbitMQ management API" rabbitmq_mgmt_ok ||
      die "the RabbitMQ management API did not answer on $RABBITMQ_MGMT_PORT"
  fi
}

rabbitmq_stop() {
  [ -f "$SAASCRIPT_STATE/pids/rabbitmq.kind" ] || return 0
  rabbitmq_as_user rabbitmqctl stop >/dev/null 2>&1 || true
  rm -f "$SAASCRIPT_STATE/pids/rabbitmq.kind"
}

# Back to a fresh machine: the broker as the machine starts it (running, no plugin, only the
# guest user and the / vhost), or, with --purge, not installed at all.
rabbitmq_reset() {
  if [ "${1:-}" = --purge ]; then
    rabbitmq_as_user rabbitmqctl stop >/dev/null 2>&1 || true
    pkill -u rabbitmq -f beam.smp 2>/dev/null || true
    pkill -u rabbitmq epmd 2>/dev/null || true
    apt_purge rabbitmq-server
    rm -rf /var/lib/rabbitmq /var/log/rabbitmq "$RABBITMQ_PLUGINS_FILE"
    rm -f "$SAASCRIPT_STATE/pids/rabbitmq.kind"
    return 0
  fi
  if port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT"; then
    local vhost user
    if rabbitmq_mgmt_ok 2>/dev/null; then
      # What our tests and the operator made: every vhost but /, every user but guest.
      for vhost in $(rabbitmq_as_user rabbitmqctl list_vhosts -q --no-table-headers 2>/dev/null); do
        [ "$vhost" = / ] || rabbitmq_as_user rabbitmqctl delete_vhost "$vhost" >/dev/null 2>&1 || true
      done
      for user in $(rabbitmq_as_user rabbitmqctl list_users -q --no-table-headers 2>/dev/null | cut -f1); do
        [ "$user" = guest ] || rabbitmq_as_user rabbitmqctl delete_user "$user" >/dev/null 2>&1 || true
      done
    fi
    rabbitmq_as_user rabbitmq-plugins disable rabbitmq_management >/dev/null 2>&1 || true
  else
    rabbitmq_as_user rabbitmq-plugins disable --offline rabbitmq_management >/dev/null 2>&1 || true
  fi
  rm -f "$RABBITMQ_PLUGINS_FILE"
}

rabbitmq_status() { port_open "$RABBITMQ_HOST" "$RABBITMQ_PORT" && rabbitmq_mgmt_ok 2>/dev/null; }
rabbitmq_env() {
  echo "AMQP_URL=amqp://guest:guest@$RABBITMQ_HOST:$RABBITMQ_PORT/%2f"
  echo "RABBITMQ_MGMT_URL=http://guest:guest@$RABBITMQ_HOST:$RABBITMQ_MGMT_PORT"
}
