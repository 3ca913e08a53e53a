#!/usr/bin/env bash
# A real Kubernetes API without Docker: etcd, kube-apiserver and kube-controller-manager.
# Pods run when node.sh adds a node (the kubelet); this file makes the credentials it needs.
# kube-apiserver and kube-controller-manager v1.20 are built from Debian's `kubernetes`
# source package, which vendors every Go dependency, and cached under $SAASCRIPT_CACHE/bin.

KUBE_HOST=127.0.0.1
KUBE_PORT=${SAASCRIPT_KUBE_PORT:-6443}
ETCD_CLIENT_PORT=${SAASCRIPT_ETCD_PORT:-2479}
ETCD_PEER_PORT=$((ETCD_CLIENT_PORT + 1))
KUBE_DIR=$SAASCRIPT_STATE/kubernetes
KUBECONFIG_PATH=$SAASCRIPT_STATE/kubeconfig

KUBE_BUILD=$SAASCRIPT_CACHE/build/kubernetes

kubernetes_install() {
  apt_install etcd-server openssl ca-certificates
  command -v kubectl >/dev/null || apt_install kubernetes-client
  kubernetes_build kube-apiserver kube-controller-manager
}

# kubernetes_source: prints the path of Debian's `kubernetes` source tree, prepared for the
# build, fetching it into $KUBE_BUILD if it is not there yet.
kubernetes_source() {
  local tree; tree=$(find "$KUBE_BUILD" -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' 2>/dev/null | head -1)
  if [ -n "$tree" ] && [ -L "$KUBE_BUILD/.go/src/k8s.io/kubernetes" ]; then echo "$tree"; return 0; fi
  apt_install golang-go rsync golang-github-modern-go-reflect2-dev dpkg-dev make
  local src_list=/etc/apt/sources.list.d/saascript-deb-src.sources
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    # A deb-src twin of the Debian source list: same URIs and suites.
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src_list"
    APT_UPDATED=""
  fi
  [ -n "$APT_UPDATED" ] || { apt-get update -qq >/dev/null; APT_UPDATED=1; }
  rm -rf "$KUBE_BUILD" && mkdir -p "$KUBE_BUILD"
  (cd "$KUBE_BUILD" && apt-get source -qq kubernetes >/dev/null 2>&1) || die "apt-get source kubernetes failed"
  tree=$(find "$KUBE_BUILD" -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' | head -1)
  [ -n "$tree" ] || die "no kubernetes source tree in $KUBE_BUILD"
  # Go 1.19 crashes at run time (SIGSEGV in mapiterinit) with the vendored reflect2 1.0.1;
  # Debian's 1.0.2 works. Its go.mod must go, or the vendor tree is inconsistent.
  rm -rf "$tree/vendor/github.com/modern-go/reflect2"
  cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "$tree/vendor/github.com/modern-go/reflect2"
  rm -f "$tree/vendor/github.com/modern-go/reflect2/go.mod"
  # The 1.20 build wants a GOPATH layout.
  mkdir -p "$KUBE_BUILD/.go/src/k8s.io"
  ln -sfn "$tree" "$KUBE_BUILD/.go/src/k8s.io/kubernetes"
  echo "$tree"
}

# Every binary the stack runs, built from the one source tree: the API (kubernetes_install)
# and the node (node_install).
KUBE_BINARIES=(kube-apiserver kube-controller-manager kubelet kube-scheduler kube-proxy)

# kubernetes_build NAME...: builds each cmd/NAME missing from $SAASCRIPT_BIN. The source tree
# stays until every binary in KUBE_BINARIES is cached: the code generation it holds (about
# 2.5 minutes) then serves the next build too.
kubernetes_build() {
  local missing=() name
  for name in "$@"; do [ -x "$SAASCRIPT_BIN/$name" ] || missing+=("$name"); done
  ((${#missing[@]} > 0)) || return 0
  # On 2 cores, once: about 10 minutes for the first binary (code generation, then a cold Go
  # cache), 8 to 13 for the kubelet, under a minute for each of the others.
  log "building ${missing[*]} from Debian's kubernetes source (minutes each on 2 cores, once)"
  local tree; tree=$(kubernetes_source) || exit 1
  for name in "${missing[@]}"; do
    (
      cd "$KUBE_BUILD/.go/src/k8s.io/kubernetes"
      export GOPATH=$KUBE_BUILD/.go CGO_ENABLED=0 GO111MODULE=off GOFLAGS=-mod=vendor
      # The kubelet is the one binary the 1.20 build links with cgo unless told otherwise.
      [ "$name" = kubelet ] && export KUBE_STATIC_OVERRIDES=kubelet
      make WHAT="cmd/$name" >"$KUBE_BUILD/build-$name.log" 2>&1 ||
        make WHAT="cmd/$name" GO111MODULE=on >>"$KUBE_BUILD/build-$name.log" 2>&1
    ) || die "building $name failed; see $KUBE_BUILD/build-$name.log"
    local out; out=$(find "$tree/_output" -type f -name "$name" -path '*/bin/*' | head -1)
    [ -n "$out" ] || die "$name not found after the build; see $KUBE_BUILD/build-$name.log"
    install -m 0755 "$out" "$SAASCRIPT_BIN/$name"
  done
  for name in "${KUBE_BINARIES[@]}"; do [ -x "$SAASCRIPT_BIN/$name" ] || return 0; done
  # The source tree and its output are large; the binaries are all we keep.
  rm -rf "$KUBE_BUILD"
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

# The node's name (node.sh): the kubelet's identity, system:node:<name>, is made here.
KUBE_NODE_NAME=localhost
# The apiserver's serving names: the first service IP and the in-cluster names (for pods), and
# the node's bridge address, through which pods reach the API (node.sh forwards the port).
KUBE_APISERVER_SAN="IP:127.0.0.1,IP:10.96.0.1,IP:10.244.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"

# kubernetes_sign NAME SUBJECT EXTENSIONS: a key and a certificate signed by our CA.
kubernetes_sign() {
  local pki=$KUBE_DIR/pki name=$1
  printf '%b' "$3" >"$pki/$name.ext"
  openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 3650 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}

# kubernetes_token USER [GROUP]: a static token for USER, unless it has one.
kubernetes_token() {
  local file=$KUBE_DIR/pki/tokens.csv
  awk -F, -v u="$1" '$2 == u { found = 1 } END { exit !found }' "$file" 2>/dev/null && return 0
  echo "$(openssl rand -hex 24),$1,$1${2:+,$2}" >>"$file"
}

# Each piece is made when missing, so that a PKI made before the node keeps its CA and admin
# token (the operator's and the tests' kubeconfig stay valid) and only gains what the node needs.
kubernetes_pki() {
  local pki=$KUBE_DIR/pki
  if [ -f "$pki/apiserver.crt" ] && ! openssl verify -CAfile "$pki/ca.crt" "$pki/apiserver.crt" >/dev/null 2>&1; then
    # Its CA did not sign its serving certificate: start over.
    log "kubernetes: the PKI in $pki is inconsistent; generating a new one"
    rm -rf "$pki"
  fi
  mkdir -p "$pki" && chmod 700 "$pki"
  [ -f "$pki/ca.key" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=saascript-local-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  grep -qxF "subjectAltName=$KUBE_APISERVER_SAN" "$pki/apiserver.ext" 2>/dev/null ||
    kubernetes_sign apiserver "/CN=kube-apiserver" "subjectAltName=$KUBE_APISERVER_SAN\nextendedKeyUsage=serverAuth\n"
  # The apiserver's client certificate for its calls to the kubelet (logs, exec, port-forward).
  [ -f "$pki/kubelet-client.crt" ] ||
    kubernetes_sign kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth\n"
  if [ ! -f "$pki/sa.key" ]; then
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  fi
  # The admin token in system:masters (the operator and tests use it through the kubeconfig),
  # then one per component, each the identity that Kubernetes' default RBAC (and, for the
  # kubelet, the Node authorizer) expects.
  kubernetes_token saascript-admin system:masters
  kubernetes_token "system:node:$KUBE_NODE_NAME" system:nodes
  kubernetes_token system:kube-proxy
  kubernetes_token system:kube-scheduler
  kubernetes_token system:kube-controller-manager
  chmod 600 "$pki"/*.key "$pki/tokens.csv"
}

# kubernetes_write_kubeconfig PATH USER: a kubeconfig with USER's static token.
kubernetes_write_kubeconfig() {
  local path=$1 user=$2 token ca
  token=$(awk -F, -v u="$user" '$2 == u { print $1; exit }' "$KUBE_DIR/pki/tokens.csv")
  ca=$(base64 -w0 <"$KUBE_DIR/pki/ca.crt")
  (
    umask 077
    cat >"$path" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: saascript-local
  cluster:
    server: https://$KUBE_HOST:$KUBE_PORT
    certificate-authority-data: $ca
users:
- name: $user
  user:
    token: $token
contexts:
- name: saascript-local
  context:
    cluster: saascript-local
    user: $user
current-context: saascript-local
KUBECONFIG
  )
}

# The admin's kubeconfig, and one per component in $KUBE_DIR/kubeconfigs (the node's and the
# controller manager's).
kubernetes_write_kubeconfigs() {
  kubernetes_write_kubeconfig "$KUBECONFIG_PATH" saascript-admin
  mkdir -p "$KUBE_DIR/kubeconfigs"
  kubernetes_write_kubeconfig "$KUBE_DIR/kubeconfigs/kubelet.kubeconfig" "system:node:$KUBE_NODE_NAME"
  local component
  for component in kube-proxy kube-scheduler kube-controller-manager; do
    kubernetes_write_kubeconfig "$KUBE_DIR/kubeconfigs/$component.kubeconfig" "system:$component"
  done
}

kubernetes_apiserver_args() {
  local pki=$KUBE_DIR/pki
  echo --etcd-servers "http://$KUBE_HOST:$ETCD_CLIENT_PORT" \
    --bind-address "$KUBE_HOST" --advertise-address "$KUBE_HOST" --secure-port "$KUBE_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --kubelet-client-certificate "$pki/kubelet-client.crt" --kubelet-client-key "$pki/kubelet-client.key" \
    --kubelet-preferred-address-types Hostname,InternalIP \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.96.0.0/16 --allow-privileged=true \
    --cert-dir "$KUBE_DIR/cert-dir"
}

# Every controller, the node's too (node lifecycle, ttl, service...), each with its own
# service account's credentials. Nothing listens (--port 0 --secure-port 0). The volume
# controllers' flexvolume prober creates its folder: ours, not /usr/libexec/kubernetes.
kubernetes_controller_manager_args() {
  local pki=$KUBE_DIR/pki kubeconfig=$KUBE_DIR/kubeconfigs/kube-controller-manager.kubeconfig
  echo --kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" \
    --authorization-kubeconfig "$kubeconfig" \
    --bind-address "$KUBE_HOST" --port 0 --secure-port 0 \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --use-service-account-credentials=true --leader-elect=false --controllers '*' \
    --flex-volume-plugin-dir "$KUBE_DIR/flexvolume"
}

# What the running API server was started with: its flags and credentials. A server of ours
# started with other ones (an older checkout, a PKI that gained pieces) is restarted.
kubernetes_fingerprint() {
  local pki=$KUBE_DIR/pki
  { kubernetes_apiserver_args; kubernetes_controller_manager_args
    cat "$pki/apiserver.crt" "$pki/kubelet-client.crt" "$pki/tokens.csv"; } 2>/dev/null | sha256sum | cut -d' ' -f1
}

kubernetes_start() {
  # Reuse: our own API server, or one started from another clone on this machine.
  if kubernetes_ready "$KUBECONFIG_PATH" 2>/dev/null; then
    if ! daemon_alive kube-apiserver; then
      log "kubernetes: reusing the API server on $KUBE_HOST:$KUBE_PORT"
      return 0
    fi
    kubernetes_pki
    if [ "$(kubernetes_fingerprint)" = "$(cat "$KUBE_DIR/fingerprint" 2>/dev/null)" ]; then
      log "kubernetes: reusing the API server on $KUBE_HOST:$KUBE_PORT"
      return 0
    fi
    log "kubernetes: restarting the API server: its flags or credentials changed"
    stop_daemon kube-controller-manager
    stop_daemon kube-apiserver
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
  local args
  # The paths in the flags hold no spaces (the state directory's would break etcd's URLs too).
  read -r -a args <<<"$(kubernetes_apiserver_args)"
  start_daemon kube-apiserver "$SAASCRIPT_BIN/kube-apiserver" "${args[@]}"
  kubernetes_write_kubeconfigs
  wait_until 90 "kube-apiserver /readyz" kubernetes_ready "$KUBECONFIG_PATH" ||
    die_with_log kube-apiserver "kube-apiserver did not become ready"
  echo "$SAASCRIPT_STATE" >"$KUBE_POINTER"
  # The controller manager makes garbage collection and namespace deletion behave as in a
  # cluster, and runs what a node needs (node lifecycle, service accounts' tokens...).
  log "kubernetes: starting kube-controller-manager"
  read -r -a args <<<"$(kubernetes_controller_manager_args)"
  start_daemon kube-controller-manager "$SAASCRIPT_BIN/kube-controller-manager" "${args[@]}"
  kubernetes_fingerprint >"$KUBE_DIR/fingerprint"
}

kubernetes_stop() {
  stop_daemon kube-controller-manager
  stop_daemon kube-apiserver
  stop_daemon etcd
  rm -f "$KUBE_DIR/fingerprint"
  if [ "$(cat "$KUBE_POINTER" 2>/dev/null)" = "$SAASCRIPT_STATE" ]; then rm -f "$KUBE_POINTER"; fi
}

# Back to a fresh machine: no API server, no state, no cached binaries (the next start builds
# them again); --purge also removes the packages the build installed.
kubernetes_reset() {
  kubernetes_stop
  rm -rf "$KUBE_DIR" "$KUBECONFIG_PATH" "$SAASCRIPT_BIN/kube-apiserver" \
    "$SAASCRIPT_BIN/kube-controller-manager" "$KUBE_BUILD"
  if [ "${1:-}" = --purge ]; then
    apt_purge etcd-server golang-go golang-github-modern-go-reflect2-dev
    rm -f /etc/apt/sources.list.d/saascript-deb-src.sources
  fi
}

kubernetes_status() { kubernetes_ready "$KUBECONFIG_PATH" 2>/dev/null; }
kubernetes_env() { echo "SAASCRIPT_KUBECONFIG=$KUBECONFIG_PATH"; }
