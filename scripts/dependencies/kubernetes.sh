#!/usr/bin/env bash
# A real Kubernetes API without Docker: etcd, kube-apiserver and kube-controller-manager
# (the envtest approach; there is no kubelet, so no pod ever runs).
# kube-apiserver and kube-controller-manager v1.20 are built from Debian's `kubernetes`
# source package, which vendors every Go dependency, and cached under $SAASCRIPT_CACHE/bin.

KUBE_HOST=127.0.0.1
KUBE_PORT=${SAASCRIPT_KUBE_PORT:-6443}
ETCD_CLIENT_PORT=${SAASCRIPT_ETCD_PORT:-2479}
ETCD_PEER_PORT=$((ETCD_CLIENT_PORT + 1))
KUBE_DIR=$SAASCRIPT_STATE/kubernetes
KUBECONFIG_PATH=$SAASCRIPT_STATE/kubeconfig

kubernetes_install() {
  apt_install etcd-server openssl ca-certificates
  command -v kubectl >/dev/null || apt_install kubernetes-client
  if [ -x "$SAASCRIPT_BIN/kube-apiserver" ] && [ -x "$SAASCRIPT_BIN/kube-controller-manager" ]; then
    return 0
  fi
  log "building kube-apiserver and kube-controller-manager from Debian's source (about 10 minutes on 2 cores, once)"
  apt_install golang-go rsync golang-github-modern-go-reflect2-dev dpkg-dev make
  local src_list=/etc/apt/sources.list.d/saascript-deb-src.sources
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    # A deb-src twin of the Debian source list: same URIs and suites.
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src_list"
    APT_UPDATED=""
  fi
  [ -n "$APT_UPDATED" ] || { apt-get update -qq >/dev/null; APT_UPDATED=1; }
  local build=$SAASCRIPT_CACHE/build/kubernetes
  rm -rf "$build" && mkdir -p "$build"
  (cd "$build" && apt-get source -qq kubernetes >/dev/null 2>&1) || die "apt-get source kubernetes failed"
  local tree; tree=$(find "$build" -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' | head -1)
  [ -n "$tree" ] || die "no kubernetes source tree in $build"
  # Go 1.19 crashes at run time (SIGSEGV in mapiterinit) with the vendored reflect2 1.0.1;
  # Debian's 1.0.2 works. Its go.mod must go, or the vendor tree is inconsistent.
  rm -rf "$tree/vendor/github.com/modern-go/reflect2"
  cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "$tree/vendor/github.com/modern-go/reflect2"
  rm -f "$tree/vendor/github.com/modern-go/reflect2/go.mod"
  # The 1.20 build wants a GOPATH layout.
  mkdir -p "$build/.go/src/k8s.io"
  ln -sfn "$tree" "$build/.go/src/k8s.io/kubernetes"
  (
    cd "$build/.go/src/k8s.io/kubernetes"
    export GOPATH=$build/.go CGO_ENABLED=0 GO111MODULE=off GOFLAGS=-mod=vendor
    make WHAT=cmd/kube-apiserver >"$build/build-apiserver.log" 2>&1 || make WHAT=cmd/kube-apiserver GO111MODULE=on >>"$build/build-apiserver.log" 2>&1
    make WHAT=cmd/kube-controller-manager >"$build/build-kcm.log" 2>&1 || make WHAT=cmd/kube-controller-manager GO111MODULE=on >>"$build/build-kcm.log" 2>&1
  ) || die "Kubernetes build failed; see $build/build-*.log"
  local out; out=$(find "$tree/_output" -type f -name kube-apiserver | head -1)
  [ -n "$out" ] || die "kube-apiserver binary not found after the build; see $build/build-apiserver.log"
  install -m 0755 "$out" "$SAASCRIPT_BIN/kube-apiserver"
  install -m 0755 "$(dirname "$out")/kube-controller-manager" "$SAASCRIPT_BIN/kube-controller-manager"
  # The source tree and Go cache are large; the binaries are all we keep.
  rm -rf "$build"
}

# The running API server's state directory is recorded machine-wide, so that another clone
# (CI's clean clone, for example) can reuse the same API server and copy its kubeconfig.
KUBE_POINTER=${SAASCRIPT_KUBE_POINTER:-$SAASCRIPT_CACHE/kubernetes-state-dir}

kubernetes_ready() {
  [ -f "$1" ] || return 1
  local token ca rc
  token=$(awk '/token:/ {print $2}' "$1")
  # The CA comes from the kubeconfig itself, so that a reused server's is never mixed with ours.
  ca=$(mktemp)
  awk '/certificate-authority-data:/ {print $2}' "$1" | base64 -d >"$ca" 2>/dev/null
  curl -fsS --max-time 2 --cacert "$ca" \
    -H "Authorization: Bearer $token" "https://$KUBE_HOST:$KUBE_PORT/readyz" >/dev/null
  rc=$?
  rm -f "$ca"
  return $rc
}

kubernetes_pki() {
  local pki=$KUBE_DIR/pki
  if [ -f "$pki/apiserver.crt" ]; then
    # Reuse our PKI only while it is whole (its CA signed its serving certificate).
    openssl verify -CAfile "$pki/ca.crt" "$pki/apiserver.crt" >/dev/null 2>&1 && return 0
    log "kubernetes: the PKI in $pki is inconsistent; generating a new one"
    rm -rf "$pki"
  fi
  mkdir -p "$pki" && chmod 700 "$pki"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=saascript-local-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >"$pki/apiserver.ext"
  openssl x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/apiserver.ext" -out "$pki/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  # One admin token in system:masters; the operator and tests use it through the kubeconfig.
  local token; token=$(openssl rand -hex 24)
  echo "$token,saascript-admin,saascript-admin,system:masters" >"$pki/tokens.csv"
  chmod 600 "$pki"/*.key "$pki/tokens.csv"
}

kubernetes_write_kubeconfig() {
  local token; token=$(cut -d, -f1 "$KUBE_DIR/pki/tokens.csv")
  local ca; ca=$(base64 -w0 <"$KUBE_DIR/pki/ca.crt")
  umask 077
  cat >"$KUBECONFIG_PATH" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: saascript-local
  cluster:
    server: https://$KUBE_HOST:$KUBE_PORT
    certificate-authority-data: $ca
users:
- name: saascript-admin
  user:
    token: $token
contexts:
- name: saascript-local
  context:
    cluster: saascript-local
    user: saascript-admin
current-context: saascript-local
KUBECONFIG
}

kubernetes_start() {
  # Reuse: our own API server, or one started from another clone on this machine.
  if kubernetes_ready "$KUBECONFIG_PATH" 2>/dev/null; then
    log "kubernetes: reusing the API server on $KUBE_HOST:$KUBE_PORT"
    return 0
  fi
  local other; other=$(cat "$KUBE_POINTER" 2>/dev/null || true)
  if [ -n "$other" ] && [ "$other" != "$SAASCRIPT_STATE" ] && kubernetes_ready "$other/kubeconfig" 2>/dev/null; then
    log "kubernetes: reusing the API server started from $other"
    cp "$other/kubeconfig" "$KUBECONFIG_PATH"
    return 0
  fi
  if port_open "$KUBE_HOST" "$KUBE_PORT"; then
    die "port $KUBE_PORT is taken by a Kubernetes API server whose credentials are unknown; stop it or set SAASCRIPT_KUBE_PORT"
  fi
  kubernetes_install
  mkdir -p "$KUBE_DIR"
  kubernetes_pki
  local pki=$KUBE_DIR/pki
  if ! port_open "$KUBE_HOST" "$ETCD_CLIENT_PORT"; then
    log "kubernetes: starting etcd on $KUBE_HOST:$ETCD_CLIENT_PORT"
    start_daemon etcd etcd --name saascript --data-dir "$KUBE_DIR/etcd" \
      --listen-client-urls "http://$KUBE_HOST:$ETCD_CLIENT_PORT" \
      --advertise-client-urls "http://$KUBE_HOST:$ETCD_CLIENT_PORT" \
      --listen-peer-urls "http://$KUBE_HOST:$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://$KUBE_HOST:$ETCD_PEER_PORT" \
      --initial-cluster "saascript=http://$KUBE_HOST:$ETCD_PEER_PORT" \
      --quota-backend-bytes 4294967296 --unsafe-no-fsync
    wait_until 30 "etcd" port_open "$KUBE_HOST" "$ETCD_CLIENT_PORT" ||
      die_with_log etcd "etcd did not start"
  fi
  log "kubernetes: starting kube-apiserver on $KUBE_HOST:$KUBE_PORT"
  start_daemon kube-apiserver "$SAASCRIPT_BIN/kube-apiserver" \
    --etcd-servers "http://$KUBE_HOST:$ETCD_CLIENT_PORT" \
    --bind-address "$KUBE_HOST" --advertise-address "$KUBE_HOST" --secure-port "$KUBE_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
    --authorization-mode RBAC \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.96.0.0/16 --allow-privileged=true \
    --cert-dir "$KUBE_DIR/cert-dir"
  kubernetes_write_kubeconfig
  wait_until 90 "kube-apiserver /readyz" kubernetes_ready "$KUBECONFIG_PATH" ||
    die_with_log kube-apiserver "kube-apiserver did not become ready"
  echo "$SAASCRIPT_STATE" >"$KUBE_POINTER"
  # The controller manager makes garbage collection and namespace deletion behave as in a
  # cluster. There is no kubelet, so no pod ever runs.
  log "kubernetes: starting kube-controller-manager"
  start_daemon kube-controller-manager "$SAASCRIPT_BIN/kube-controller-manager" \
    --kubeconfig "$KUBECONFIG_PATH" --authentication-kubeconfig "$KUBECONFIG_PATH" \
    --authorization-kubeconfig "$KUBECONFIG_PATH" \
    --bind-address "$KUBE_HOST" --port 0 --secure-port 0 \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials=false --leader-elect=false \
    --controllers '*,-nodeipam,-nodelifecycle,-cloud-node-lifecycle,-attachdetach,-persistentvolume-binder,-persistentvolume-expander,-route,-service,-ttl,-bootstrapsigner,-tokencleaner'
}

kubernetes_stop() {
  stop_daemon kube-controller-manager
  stop_daemon kube-apiserver
  stop_daemon etcd
  if [ "$(cat "$KUBE_POINTER" 2>/dev/null)" = "$SAASCRIPT_STATE" ]; then rm -f "$KUBE_POINTER"; fi
}

# Back to a fresh machine: no API server, no state, no cached binaries (the next start builds
# them again); --purge also removes the packages the build installed.
kubernetes_reset() {
  kubernetes_stop
  rm -rf "$KUBE_DIR" "$KUBECONFIG_PATH" "$SAASCRIPT_BIN/kube-apiserver" \
    "$SAASCRIPT_BIN/kube-controller-manager" "$SAASCRIPT_CACHE/build/kubernetes"
  if [ "${1:-}" = --purge ]; then
    apt_purge etcd-server golang-go golang-github-modern-go-reflect2-dev
    rm -f /etc/apt/sources.list.d/saascript-deb-src.sources
  fi
}

kubernetes_status() { kubernetes_ready "$KUBECONFIG_PATH" 2>/dev/null; }
kubernetes_env() { echo "SAASCRIPT_KUBECONFIG=$KUBECONFIG_PATH"; }
