#!/usr/bin/env bash
# A Kafka-protocol broker: tansu (Apache Kafka-compatible, written in Rust) with its in-memory
# storage engine. A debug build is enough for tests and takes ~8 minutes instead of ~20.

KAFKA_HOST=127.0.0.1
KAFKA_PORT=${SAASCRIPT_KAFKA_PORT:-9092}
# The host the running broker advertises, as it was started.
KAFKA_ADVERTISED_FILE=$SAASCRIPT_STATE/kafka.advertised

# The address tansu tells clients to use after their first request. A pod cannot reach the
# host's 127.0.0.1, so while the node's bridge address exists (scripts/dependencies/node.sh
# forwards port 9092 from it to 127.0.0.1), the broker advertises that address, which the host
# reaches too; otherwise 127.0.0.1.
kafka_advertised_host() {
  if ip -o addr show 2>/dev/null | grep -q " ${NODE_HOST_ADDR:-10.244.0.1}/"; then
    echo "${NODE_HOST_ADDR:-10.244.0.1}"
  else
    echo "$KAFKA_HOST"
  fi
}

kafka_install() {
  [ -x "$SAASCRIPT_BIN/tansu" ] && return 0
  log "building the tansu Kafka broker with cargo (about 8 minutes on 2 cores, once)"
  apt_install pkg-config libssl-dev protobuf-compiler
  # --locked: a plain install fails on dependency drift.
  cargo install --quiet --debug --locked tansu --no-default-features --features dynostore \
    --root "$SAASCRIPT_CACHE/tansu" || die "cargo install tansu failed"
  ln -sfn "$SAASCRIPT_CACHE/tansu/bin/tansu" "$SAASCRIPT_BIN/tansu"
}

kafka_start() {
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    log "kafka: reusing the broker on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  kafka_install
  local advertised; advertised=$(kafka_advertised_host)
  log "kafka: starting tansu on $KAFKA_HOST:$KAFKA_PORT (advertising $advertised:$KAFKA_PORT)"
  echo "$advertised" >"$KAFKA_ADVERTISED_FILE"
  start_daemon kafka "$SAASCRIPT_BIN/tansu" broker \
    --listener-url "tcp://$KAFKA_HOST:$KAFKA_PORT" \
    --advertised-listener-url "tcp://$advertised:$KAFKA_PORT" \
    --storage-engine memory://tansu/
  wait_until 30 "tansu on $KAFKA_PORT" port_open "$KAFKA_HOST" "$KAFKA_PORT" ||
    die_with_log kafka "tansu did not start"
}

kafka_stop() { stop_daemon kafka; rm -f "$KAFKA_ADVERTISED_FILE"; }

# Called by the node as its bridge address comes and goes: restarts a broker this clone started
# whose advertised address no longer fits (its in-memory topics start empty again, which is why
# the node starts right after the dependencies, before anything makes topics). A broker this
# clone merely reuses is left alone, with a warning when pods cannot use it.
kafka_follow_node() {
  local wanted; wanted=$(kafka_advertised_host)
  [ "$(cat "$KAFKA_ADVERTISED_FILE" 2>/dev/null)" = "$wanted" ] && return 0
  if ! daemon_alive kafka; then
    kafka_status && log "kafka: the broker on $KAFKA_HOST:$KAFKA_PORT is not this clone's; pods reach it only if it advertises $wanted"
    return 0
  fi
  log "kafka: restarting tansu to advertise $wanted (its topics start empty)"
  kafka_stop
  kafka_start
}
# Back to a fresh machine: no broker and no cached build.
kafka_reset() { kafka_stop; rm -rf "$SAASCRIPT_CACHE/tansu" "$SAASCRIPT_BIN/tansu"; }
kafka_status() { port_open "$KAFKA_HOST" "$KAFKA_PORT"; }
kafka_env() { echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"; }
