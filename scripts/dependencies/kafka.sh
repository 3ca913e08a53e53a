#!/usr/bin/env bash
# A Kafka-protocol broker: tansu (Apache Kafka-compatible, written in Rust) with its in-memory
# storage engine. A debug build is enough for tests and takes ~8 minutes instead of ~20.

KAFKA_HOST=127.0.0.1
KAFKA_PORT=${SAASCRIPT_KAFKA_PORT:-9092}

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
  log "kafka: starting tansu on $KAFKA_HOST:$KAFKA_PORT"
  start_daemon kafka "$SAASCRIPT_BIN/tansu" broker \
    --listener-url "tcp://$KAFKA_HOST:$KAFKA_PORT" \
    --advertised-listener-url "tcp://$KAFKA_HOST:$KAFKA_PORT" \
    --storage-engine memory://tansu/
  wait_until 30 "tansu on $KAFKA_PORT" port_open "$KAFKA_HOST" "$KAFKA_PORT" ||
    die_with_log kafka "tansu did not start"
}

kafka_stop() { stop_daemon kafka; }
# Back to a fresh machine: no broker and no cached build.
kafka_reset() { kafka_stop; rm -rf "$SAASCRIPT_CACHE/tansu" "$SAASCRIPT_BIN/tansu"; }
kafka_status() { port_open "$KAFKA_HOST" "$KAFKA_PORT"; }
kafka_env() { echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"; }
