#!/usr/bin/env bash
# saascript-metrics-api on the host, registered with the API server as the APIService
# v1beta1.metrics.k8s.io, so that `kubectl top` and HPAs work on the local node (metrics-server
# is not packaged). Sourced by scripts/operator, which builds the binary; never run.
#
# How the API server reaches it: the aggregator proxies to an APIService's Service. Endpoints
# may not be loopback addresses, so it cannot listen on 127.0.0.1; it listens on the node's
# bridge address instead (SAASCRIPT_NODE_HOST_ADDR, 10.244.0.1), a host address that nothing
# outside the machine reaches (node.sh). A Service without a selector in kube-system, with a
# hand-written Endpoints for that address and port, stands for it; the API server dials the
# ClusterIP and kube-proxy's OUTPUT rules send it on, as they do for any host client. No API
# server flag is needed: the aggregator proxies without a client certificate, and the
# metrics API asks for none (it trusts whoever reaches the bridge address, as the other
# forwarded dependencies do).
#
# TLS: a self-signed certificate, kept in $SAASCRIPT_STATE/metrics-api, is its own caBundle, so
# that the aggregator verifies it (by the Service's name, <name>.<namespace>.svc) and it does not
# depend on whose PKI the API server runs with (another clone's, when reused).

METRICS_API_DIR=$SAASCRIPT_STATE/metrics-api
METRICS_API_PORT=${SAASCRIPT_METRICS_API_PORT:-6444}
METRICS_API_SERVICE=saascript-metrics-api
METRICS_API_NAMESPACE=kube-system
METRICS_API_APISERVICE=v1beta1.metrics.k8s.io
# The bridge address; .saascript/env says which (metrics_api_load_env).
METRICS_API_HOST=""

metrics_api_load_env() {
  local env=$SAASCRIPT_STATE/env
  [ -f "$env" ] || die "no $env: run scripts/deps up first"
  # shellcheck source=/dev/null
  source "$env"
  METRICS_API_HOST=${SAASCRIPT_NODE_HOST_ADDR:-}
}

metrics_api_kubectl() { kubectl --kubeconfig "$SAASCRIPT_KUBECONFIG" "$@"; }

# The node is up when the containerd socket that .saascript/env names exists and the bridge
# address is on this host: without the node there is no kubelet to read, and nothing to bind.
metrics_api_node_up() {
  [ -n "$METRICS_API_HOST" ] && [ -S "${SAASCRIPT_CONTAINERD_SOCKET:-}" ] &&
    ip -o -4 addr show | grep -qF " inet $METRICS_API_HOST/"
}

metrics_api_healthy() {
  curl -fsS --max-time 2 --cacert "$METRICS_API_DIR/tls.crt" \
    "https://$METRICS_API_HOST:$METRICS_API_PORT/healthz" >/dev/null
}

metrics_api_available() {
  [ "$(metrics_api_kubectl get apiservice "$METRICS_API_APISERVICE" \
    -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>/dev/null)" = True ]
}

# A metrics API that another clone started: it answers as one (its certificate is not ours,
# hence -k for this probe alone) and the API server has it registered and Available.
metrics_api_foreign() {
  curl -ksS --max-time 2 "https://$METRICS_API_HOST:$METRICS_API_PORT/apis/metrics.k8s.io/v1beta1" 2>/dev/null |
    grep -q '"APIResourceList"' && metrics_api_available
}

# The serving certificate, made once and again only when the names it must carry change: the
# address it listens on (curl, the Endpoints) and the Service's name (the aggregator's check).
metrics_api_certificate() {
  local dir=$METRICS_API_DIR
  local san="subjectAltName=IP:$METRICS_API_HOST,DNS:$METRICS_API_SERVICE.$METRICS_API_NAMESPACE.svc"
  if [ -s "$dir/tls.crt" ] && grep -qxF "$san" "$dir/tls.ext" 2>/dev/null &&
    openssl x509 -checkend 86400 -noout -in "$dir/tls.crt" >/dev/null 2>&1; then
    return 0
  fi
  log "metrics-api: generating its serving certificate in $dir"
  mkdir -p "$dir" && chmod 700 "$dir"
  printf '%s\n' "$san" >"$dir/tls.ext"
  (
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$METRICS_API_SERVICE" \
      -addext "$san" -addext "extendedKeyUsage=serverAuth" \
      -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  ) || die "openssl could not make the metrics API's certificate"
}

# The Service, its Endpoints (the host's bridge address) and the APIService.
metrics_api_manifest() {
  local ca; ca=$(base64 -w0 <"$METRICS_API_DIR/tls.crt")
  cat <<YAML
apiVersion: v1
kind: Service
metadata:
  name: $METRICS_API_SERVICE
  namespace: $METRICS_API_NAMESPACE
  labels: { app.kubernetes.io/name: $METRICS_API_SERVICE }
spec:
  type: ClusterIP
  ports:
  - { name: https, port: 443, targetPort: $METRICS_API_PORT, protocol: TCP }
---
apiVersion: v1
kind: Endpoints
metadata:
  name: $METRICS_API_SERVICE
  namespace: $METRICS_API_NAMESPACE
  labels: { app.kubernetes.io/name: $METRICS_API_SERVICE }
subsets:
- addresses: [{ ip: $METRICS_API_HOST }]
  ports: [{ name: https, port: $METRICS_API_PORT, protocol: TCP }]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: $METRICS_API_APISERVICE
  labels: { app.kubernetes.io/name: $METRICS_API_SERVICE }
spec:
  group: metrics.k8s.io
  version: v1beta1
  service: { name: $METRICS_API_SERVICE, namespace: $METRICS_API_NAMESPACE, port: 443 }
  caBundle: $ca
  groupPriorityMinimum: 100
  versionPriority: 100
YAML
}

# Removes the registration. An APIService left without its server breaks discovery: kubectl
# warns on every call and namespaces stay Terminating (their deletion needs every group). For
# that reason node_stop (node.sh) removes it too, as the node takes the bridge address along.
metrics_api_unregister() {
  metrics_api_kubectl delete apiservice "$METRICS_API_APISERVICE" --ignore-not-found >/dev/null 2>&1 || true
  metrics_api_kubectl -n "$METRICS_API_NAMESPACE" delete service,endpoints "$METRICS_API_SERVICE" \
    --ignore-not-found >/dev/null 2>&1 || true
}

# metrics_api_fail MESSAGE: unregisters, then dies with the end of the log. A registration
# whose server does not answer is worse than none (metrics_api_unregister).
metrics_api_fail() {
  metrics_api_unregister
  die_with_log metrics-api "$1"
}

# Milliseconds since the epoch: the APIService turns Available within a second or two.
metrics_api_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# metrics_api_start BINARY: (re)starts it and registers it; waits until the APIService is
# Available. Without the node, only makes sure that no registration is left.
metrics_api_start() {
  local binary=$1
  metrics_api_load_env
  stop_daemon metrics-api
  if ! metrics_api_node_up; then
    log "metrics-api: skipped: the node is not up (scripts/deps up node); no kubectl top or HPA metrics"
    metrics_api_unregister
    return 0
  fi
  if port_open "$METRICS_API_HOST" "$METRICS_API_PORT"; then
    # Another clone's, on the node and API server this one reuses: reused likewise.
    if metrics_api_foreign; then
      log "metrics-api: reusing the one on $METRICS_API_HOST:$METRICS_API_PORT (started from another clone)"
      return 0
    fi
    die "something already listens on $METRICS_API_HOST:$METRICS_API_PORT; stop it or set SAASCRIPT_METRICS_API_PORT"
  fi
  metrics_api_certificate
  local started; started=$(metrics_api_now_ms)
  log "metrics-api: starting on https://$METRICS_API_HOST:$METRICS_API_PORT"
  start_daemon metrics-api env KUBECONFIG="$SAASCRIPT_KUBECONFIG" \
    METRICS_API_ADDR="$METRICS_API_HOST:$METRICS_API_PORT" \
    METRICS_API_TLS_CERT="$METRICS_API_DIR/tls.crt" METRICS_API_TLS_KEY="$METRICS_API_DIR/tls.key" "$binary"
  wait_until 30 "the metrics API's /healthz" metrics_api_healthy ||
    metrics_api_fail "the metrics API did not start"
  metrics_api_manifest | metrics_api_kubectl apply -f - >/dev/null ||
    metrics_api_fail "could not register the metrics API with the API server"
  # The API server's availability check runs on its own schedule (a change of the APIService
  # or of its Endpoints triggers one): seconds.
  if ! wait_until 60 "the APIService $METRICS_API_APISERVICE Available" metrics_api_available; then
    metrics_api_kubectl get apiservice "$METRICS_API_APISERVICE" \
      -o jsonpath='{.status.conditions[0].message}{"\n"}' >&2 2>/dev/null || true
    metrics_api_fail "the APIService $METRICS_API_APISERVICE did not become Available"
  fi
  local ms=$(($(metrics_api_now_ms) - started))
  log "metrics-api: $METRICS_API_APISERVICE Available $((ms / 1000)).$((ms % 1000 / 100)) s after the start"
}

# Only one that this clone started (its pid file, even if it died since), never one it reused;
# the registration goes first, so that no request is proxied to a stopped server.
metrics_api_stop() {
  [ -f "$SAASCRIPT_STATE/pids/metrics-api.pid" ] || return 0
  if [ -f "$SAASCRIPT_STATE/env" ]; then
    metrics_api_load_env
    metrics_api_unregister
  fi
  stop_daemon metrics-api
}

# One line: up (registered and Available: ours, or another clone's), off (no node: not started
# on purpose) or down.
metrics_api_status() {
  metrics_api_load_env
  if metrics_api_available; then
    echo "metrics-api up"
  elif ! metrics_api_node_up; then
    echo "metrics-api off (no node)"
  else
    echo "metrics-api down"
    return 1
  fi
}
