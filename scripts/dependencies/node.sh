#!/usr/bin/env bash
# A real Kubernetes node without Docker, next to the API of kubernetes.sh: containerd (its own
# config, root, state and socket), runc, the CNI bridge, the kubelet, kube-proxy and the
# kube-scheduler. Pods run locally built images (scripts/images), never pulled ones.
#
# The kubelet, kube-proxy, containerd and CNI change the host (sysctls, nft tables, mounts,
# links, cgroups, a few directories): node_start records that state first and node_stop puts
# every piece back. See /work/shared/notes/local-node.md for why each flag is there.
#
# Pods reach the host only through the bridge's gateway, NODE_HOST_ADDR; the dependencies listen
# on 127.0.0.1, so node_start forwards each of their ports from NODE_HOST_ADDR (socat). Nothing
# outside the machine reaches that address: the guard drops the pod and service ranges on the
# machine's own interfaces.

NODE_DIR=$SAASCRIPT_STATE/node
NODE_NAME=$KUBE_NODE_NAME
NODE_HOST_ADDR=10.244.0.1
NODE_POD_SUBNET=10.244.0.0/24
NODE_CLUSTER_CIDR=10.244.0.0/16
NODE_SERVICE_CIDR=10.96.0.0/16
NODE_BRIDGE=cni0
CONTAINERD_SOCKET=$NODE_DIR/containerd/containerd.sock
BUILDAH_ROOT=$NODE_DIR/buildah/root
BUILDAH_RUNROOT=$NODE_DIR/buildah/runroot
# The sandbox image is made here (a static pause binary) and never pulled: localhost/ names
# cannot resolve to a registry on the network.
PAUSE_IMAGE=localhost/saascript/pause:dev
# The running node's state directory, machine-wide, so that another clone reuses it (its
# containerd socket is where scripts/images imports).
NODE_POINTER=${SAASCRIPT_NODE_POINTER:-$SAASCRIPT_CACHE/node-state-dir}
# Marks the guard's rules, so that node_stop removes those and nothing else.
NODE_GUARD_TAG=saascript-node-guard
# Host paths the kubelet, containerd and CNI create whatever their flags say; node_stop removes
# those that did not exist before node_start.
# (The kubelet: /var/log/pods and /var/log/containers, /var/lib/kubelet/device-plugins; runc's
# shims: /run/containerd/s; CNI's result cache: /var/lib/cni; mount(8): /run/mount; buildah's
# blob cache: /var/lib/containers/cache. The others are watched in case a version moves.)
NODE_HOST_PATHS=(/var/log/pods /var/log/containers /var/lib/kubelet /var/lib/kubelet/device-plugins
  /run/containerd /run/netns /run/mount /var/lib/cni /etc/cni /opt/cni /opt/containerd /var/lib/containerd
  /usr/libexec/kubernetes /var/lib/containers /run/containers)
# The sysctls they set (the kubelet: vm.*, kernel.*; kube-proxy: route_localnet; the bridge
# plugin: ip_forward, which also flips every conf.*.forwarding and conf.all.accept_redirects),
# as an extended regexp.
NODE_SYSCTLS='^(vm\.overcommit_memory|vm\.panic_on_oom|kernel\.panic|kernel\.panic_on_oops|kernel\.keys\.root_maxkeys|kernel\.keys\.root_maxbytes|net\.ipv4\.ip_forward|net\.ipv4\.conf\.[^.]+\.(route_localnet|forwarding|accept_redirects)|net\.ipv6\.conf\.[^.]+\.forwarding|net\.bridge\..*|net\.netfilter\.nf_conntrack_(max|tcp_timeout_established|tcp_timeout_close_wait)) ='
# The node's binaries, built from the same source tree as the API server's (kubernetes.sh);
# saascript-cri is our CRI client (node/cri.go), since Debian packages no crictl.
KUBE_BINARIES+=(kubelet kube-scheduler kube-proxy saascript-cri)

node_install() {
  apt_install containerd runc containernetworking-plugins iptables nftables conntrack socat buildah gcc
  local name missing=()
  for name in kubelet kube-scheduler kube-proxy saascript-cri; do
    [ -x "$SAASCRIPT_BIN/$name" ] || missing+=("$name")
  done
  if ((${#missing[@]} > 0)); then
    if [[ " ${missing[*]} " == *" saascript-cri "* ]]; then
      local tree; tree=$(kubernetes_source) || exit 1
      mkdir -p "$tree/cmd/saascript-cri"
      cp "$SAASCRIPT_ROOT/scripts/dependencies/node/cri.go" "$tree/cmd/saascript-cri/main.go"
    fi
    kubernetes_build "${missing[@]}"
  fi
  if [ ! -x "$SAASCRIPT_BIN/saascript-pause" ]; then
    gcc -static -Os -s -o "$SAASCRIPT_BIN/saascript-pause" "$SAASCRIPT_ROOT/scripts/dependencies/node/pause.c" ||
      die "cannot build the pause binary"
  fi
}

# The node's components authenticate with the tokens and kubeconfigs that kubernetes.sh made
# next to the running API server (ours, or another clone's).
node_kube_dir() {
  local dir; dir=$(cat "$KUBE_POINTER" 2>/dev/null || true)
  echo "${dir:-$SAASCRIPT_STATE}/kubernetes"
}

node_kubectl() { kubectl --kubeconfig "$KUBECONFIG_PATH" "$@"; }

node_ready() {
  [ "$(node_kubectl get node "$NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

node_containerd_up() { ctr --address "$1" version >/dev/null 2>&1; }

# The interfaces that lead off the machine: the guard drops our ranges on each of them.
node_uplinks() {
  local links; links=$(ip -o route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1)}' | sort -u)
  echo "${links:-eth0}"
}

# --- host state --------------------------------------------------------------------------

# What node_stop must give back, recorded once: a second node_start (after a crash, say) must
# not record the state the first one left behind.
node_record_host() {
  local host=$NODE_DIR/host
  [ -f "$host/complete" ] && return 0
  # node_stop deletes the bridge: it must be ours.
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    die "a '$NODE_BRIDGE' link exists already (another Kubernetes or CNI on this machine?): the node would take it over"
  fi
  rm -rf "$host" && mkdir -p "$host"
  sysctl -a 2>/dev/null | grep -E "$NODE_SYSCTLS" >"$host/sysctl" || true
  nft list tables >"$host/nft-tables" 2>/dev/null || true
  local path
  for path in "${NODE_HOST_PATHS[@]}"; do [ -e "$path" ] || echo "$path"; done >"$host/absent-paths"
  find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name kubepods >"$host/cgroups" 2>/dev/null || true
  touch "$host/complete"
}

node_restore_sysctls() {
  local file=$NODE_DIR/host/sysctl key value
  [ -f "$file" ] || return 0
  # ip_forward first: writing it resets every conf.*.forwarding, which are then put back one by one.
  { grep '^net\.ipv4\.ip_forward =' "$file"; grep -v '^net\.ipv4\.ip_forward =' "$file"; } |
    while IFS=' = ' read -r key value; do
      [ -e "/proc/sys/${key//.//}" ] || continue
      [ "$(sysctl -n "$key" 2>/dev/null)" = "$value" ] || sysctl -qw "$key=$value" >/dev/null 2>&1 ||
        log "node: could not restore $key=$value"
    done
}

# The mangle rules that keep pod and service addresses off the machine's own links, in and out.
node_guard() {
  local action=$1 link net
  for link in $(node_uplinks); do
    for net in "$NODE_SERVICE_CIDR" "$NODE_CLUSTER_CIDR"; do
      node_guard_rule "$action" POSTROUTING -o "$link" -d "$net"
      node_guard_rule "$action" PREROUTING -i "$link" -d "$net"
    done
    node_guard_rule "$action" POSTROUTING -o "$link" -s "$NODE_CLUSTER_CIDR"
  done
}

node_guard_rule() {
  local action=$1 chain=$2; shift 2
  local rule=("$chain" "$@" -m comment --comment "$NODE_GUARD_TAG" -j DROP)
  if [ "$action" = add ]; then
    iptables -w -t mangle -C "${rule[@]}" 2>/dev/null || iptables -w -t mangle -A "${rule[@]}"
  else
    while iptables -w -t mangle -C "${rule[@]}" 2>/dev/null; do iptables -w -t mangle -D "${rule[@]}"; done
  fi
}

# Tables that kube-proxy, the kubelet, CNI and the guard created go whole; in tables that were
# already there, only their chains (KUBE-*, CNI-*), the rules that jump to them and the guard's.
node_restore_nft() {
  node_guard remove
  local before=$NODE_DIR/host/nft-tables family table
  nft list tables 2>/dev/null | while read -r _ family table; do
    grep -qx "table $family $table" "$before" 2>/dev/null || nft delete table "$family" "$table"
  done
  local save
  for save in iptables-save ip6tables-save; do
    if $save 2>/dev/null | grep -qE "(KUBE|CNI)-|$NODE_GUARD_TAG"; then
      $save | grep -vE "^-A (KUBE|CNI)-|^:(KUBE|CNI)-|-j (KUBE|CNI)-|$NODE_GUARD_TAG" | "${save%-save}-restore" -w ||
        log "node: could not remove the KUBE-/CNI- chains with ${save%-save}-restore"
    fi
  done
}

# Unmounts everything at or under DIR: deepest first, and each as often as it is stacked (the
# kubelet bind-mounts its root dir onto itself).
node_unmount_under() {
  local dir=$1 mnt
  awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r mnt; do umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true; done
}

node_restore_host() {
  [ -f "$NODE_DIR/host/complete" ] || return 0
  # Every mount is under our state (the kubelet's root dir and pod volumes, the sandboxes' shm
  # and network namespaces): never the machine's own /run/containerd or /var/lib/kubelet.
  node_unmount_under "$NODE_DIR"
  # The veths go with their pods; the bridge is ours.
  local link
  for link in $(ip -o link show master "$NODE_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip link delete "$link" 2>/dev/null || true
  done
  ip link delete "$NODE_BRIDGE" 2>/dev/null || true
  node_restore_nft
  node_restore_sysctls
  # The kubelet's QoS cgroups (kubepods, kubepods/burstable, ...), deepest first.
  local cg
  find /sys/fs/cgroup -mindepth 2 -type d -path '*/kubepods*' 2>/dev/null | sort -r | while read -r cg; do
    grep -qx "${cg%%/kubepods*}/kubepods" "$NODE_DIR/host/cgroups" 2>/dev/null && continue
    rmdir "$cg" 2>/dev/null || true
  done
  local path
  while read -r path; do
    case $path in
      "") ;;
      # Shared with other tools (podman): only buildah's blob cache, and the folders if empty.
      /var/lib/containers)
        rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb
        rmdir /var/lib/containers/cache /var/lib/containers 2>/dev/null || true
        ;;
      *) rm -rf "$path" ;;
    esac
  done <"$NODE_DIR/host/absent-paths"
  rm -rf "$NODE_DIR/host"
}

# --- configuration -----------------------------------------------------------------------

node_write_containerd_config() {
  mkdir -p "$NODE_DIR/containerd" "$NODE_DIR/cni/net.d" "$NODE_DIR/tmp"
  cat >"$NODE_DIR/containerd/config.toml" <<TOML
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"

# Never /run/containerd/containerd.sock: the machine's own containerd may be there.
[grpc]
  address = "$CONTAINERD_SOCKET"

[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # The VM withholds CAP_SYS_RESOURCE even from root: without this, runc cannot set the
  # kubelet's oom_score_adj and every sandbox fails ("can't get final child's PID from pipe").
  restrict_oom_score_adj = true
  # Pod network namespaces under our state, not /run/netns.
  netns_mounts_under_state_dir = true

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  # cgroup v1 through cgroupfs, as the kubelet's cgroupDriver.
  SystemdCgroup = false
  Root = "$NODE_DIR/containerd/runc"

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/usr/lib/cni"
  conf_dir = "$NODE_DIR/cni/net.d"
TOML
  # ipMasq off: nothing from a pod may leave the machine, so there is nothing to masquerade.
  cat >"$NODE_DIR/cni/net.d/10-saascript.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "saascript",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$NODE_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$NODE_POD_SUBNET", "gateway": "$NODE_HOST_ADDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$NODE_DIR/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
}

node_write_kubelet_config() {
  local kube_dir=$1
  mkdir -p "$NODE_DIR/kubelet/root" "$NODE_DIR/kubelet/pki" "$NODE_DIR/kubelet/volume-plugins"
  # Pods never get the host's resolver: there is no cluster DNS, and names must not leave.
  echo "nameserver 127.0.0.1" >"$NODE_DIR/kubelet/resolv.conf"
  cat >"$NODE_DIR/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: $kube_dir/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failSwapOn: false
# The default thresholds are shares of the disk (evict below 15% free, collect images above 85%
# used). The disk is shared with the build cache, tens of GiB, so those shares are reached while
# gigabytes remain: pods were evicted for a 52 KiB container, and image collection would delete
# the imported images, which no registry can give back (imagePullPolicy: Never). Absolute floors
# instead, and no image collection (scripts/images replaces what changed).
evictionHard:
  memory.available: "200Mi"
  nodefs.available: "2Gi"
  imagefs.available: "2Gi"
  nodefs.inodesFree: "2%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
resolvConf: $NODE_DIR/kubelet/resolv.conf
volumePluginDir: $NODE_DIR/kubelet/volume-plugins
YAML
}

# --- images ------------------------------------------------------------------------------

# buildah with our own storage (vfs: no overlay mounts left behind). Nothing here runs a
# container in it; a `buildah run` must always take --network none, or buildah makes a CNI
# bridge, iptables chains under /etc/cni and /var/lib/cni, and sets ip_forward.
node_buildah() {
  TMPDIR=$NODE_DIR/tmp buildah --storage-driver vfs --root "$BUILDAH_ROOT" --runroot "$BUILDAH_RUNROOT" "$@"
}

# The sandbox image: the static pause binary alone, as an archive cached once per machine.
node_pause_archive() {
  local archive=$SAASCRIPT_CACHE/images/pause.tar
  if [ ! -s "$archive" ] || [ "$SAASCRIPT_BIN/saascript-pause" -nt "$archive" ]; then
    mkdir -p "$SAASCRIPT_CACHE/images" "$NODE_DIR/tmp"
    local container
    container=$(node_buildah from scratch) || die "buildah from scratch failed"
    node_buildah copy "$container" "$SAASCRIPT_BIN/saascript-pause" /pause >/dev/null
    node_buildah config --entrypoint '["/pause"]' --user 65535:65535 "$container"
    node_buildah commit --quiet --rm "$container" "$PAUSE_IMAGE" >/dev/null || die "buildah commit of the pause image failed"
    rm -f "$archive"
    node_buildah push --quiet "$PAUSE_IMAGE" "docker-archive:$archive:$PAUSE_IMAGE" >/dev/null ||
      die "buildah push of the pause image failed"
    node_buildah rmi "$PAUSE_IMAGE" >/dev/null 2>&1 || true
  fi
  echo "$archive"
}

# --- processes ---------------------------------------------------------------------------

# The host ports pods may use through NODE_HOST_ADDR, as NAME:PORT (the dependencies' own
# variables, from their scripts; the defaults apply when one is not sourced).
# Not RabbitMQ's management API: only the operator, on the host, uses it. A forwarder holding a
# port on the bridge address also keeps a server that listens on every address from starting
# (RabbitMQ's management listener did), which is why the node starts after the dependencies.
node_forwards() {
  echo "postgres:${PG_PORT:-5432} redis:${REDIS_PORT:-6379} rabbitmq:${RABBITMQ_PORT:-5672}" \
    "kafka:${KAFKA_PORT:-9092} dynamodb:${DYNAMODB_PORT:-8000}" \
    "stripe:${STRIPE_PORT:-8420} smtp:${SMTP_PORT:-2525} kubernetes:${KUBE_PORT:-6443}"
}

# The bridge exists before any pod (the bridge plugin adopts it), so that the forwarders can
# listen on its address from the start.
node_bridge() {
  ip link show "$NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$NODE_BRIDGE" type bridge
  ip -o addr show dev "$NODE_BRIDGE" | grep -q " $NODE_HOST_ADDR/" ||
    ip addr add "$NODE_HOST_ADDR/${NODE_POD_SUBNET#*/}" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
}

# Kafka clients connect to the address the broker advertises, which must be one pods reach
# while the node runs (scripts/dependencies/kafka.sh), and 127.0.0.1 again once it stops.
node_kafka_follow() { if declare -F kafka_follow_node >/dev/null; then kafka_follow_node; fi; }

node_start_forwarders() {
  local entry name port
  for entry in $(node_forwards); do
    name=${entry%%:*} port=${entry#*:}
    daemon_alive "forward-$name" && continue
    start_daemon "forward-$name" socat "TCP-LISTEN:$port,bind=$NODE_HOST_ADDR,reuseaddr,fork" "TCP:127.0.0.1:$port"
  done
}

node_stop_forwarders() {
  local entry
  for entry in $(node_forwards); do stop_daemon "forward-${entry%%:*}"; done
}

# The kubelet, with the configuration node_write_kubelet_config wrote.
node_start_kubelet() {
  local kube_dir=$1
  log "node: starting the kubelet as node '$NODE_NAME'"
  # AWS_EC2_METADATA_DISABLED: mandatory. Otherwise the 1.20 kubelet's ECR credential
  # provider calls the cloud metadata address, 169.254.169.254, at start-up.
  # --pod-infra-container-image: containerd makes the sandboxes, but the kubelet's image
  # garbage collection keeps this image.
  AWS_EC2_METADATA_DISABLED=true TMPDIR=$NODE_DIR/tmp start_daemon kubelet "$SAASCRIPT_BIN/kubelet" \
    --config "$NODE_DIR/kubelet/config.yaml" \
    --kubeconfig "$kube_dir/kubeconfigs/kubelet.kubeconfig" \
    --container-runtime remote --container-runtime-endpoint "unix://$CONTAINERD_SOCKET" \
    --pod-infra-container-image "$PAUSE_IMAGE" \
    --root-dir "$NODE_DIR/kubelet/root" --cert-dir "$NODE_DIR/kubelet/pki" \
    --hostname-override "$NODE_NAME"
}

# Rewrites the kubelet's configuration; true when it differs from the one the running kubelet
# was started with.
node_kubelet_config_changed() {
  local config=$NODE_DIR/kubelet/config.yaml old
  old=$(cat "$config" 2>/dev/null || true)
  node_write_kubelet_config "$1"
  [ "$old" != "$(cat "$config")" ]
}

node_start() {
  local kube_dir; kube_dir=$(node_kube_dir)
  # Reuse a node that answers, ours or another clone's.
  if node_status; then
    # Our own node takes a changed kubelet configuration at once (the pods keep running).
    if [ "$(cat "$NODE_POINTER" 2>/dev/null)" = "$SAASCRIPT_STATE" ] && daemon_alive kubelet &&
      node_kubelet_config_changed "$kube_dir"; then
      log "node: the kubelet's configuration changed; restarting the kubelet"
      stop_daemon kubelet
      node_start_kubelet "$kube_dir"
      wait_until 120 "node '$NODE_NAME' Ready" node_status || die_with_log kubelet "the node did not become Ready"
      return 0
    fi
    log "node: reusing the node '$NODE_NAME'"
    node_kafka_follow
    [ -f "$NODE_POINTER" ] || echo "$SAASCRIPT_STATE" >"$NODE_POINTER"
    return 0
  fi
  kubernetes_status || die "the node joins the API of scripts/deps up kubernetes, which is not running"
  node_install
  if [ ! -f "$kube_dir/kubeconfigs/kubelet.kubeconfig" ] || [ ! -f "$kube_dir/pki/kubelet-client.crt" ]; then
    die "the API server's state in $kube_dir has no node credentials: start it with this clone's scripts (scripts/deps down kubernetes; scripts/deps up)"
  fi
  ((${#CONTAINERD_SOCKET} < 100)) || die "the containerd socket path $CONTAINERD_SOCKET is too long for a unix socket; set SAASCRIPT_STATE shorter"
  local started=$SECONDS
  node_record_host
  node_write_containerd_config
  node_write_kubelet_config "$kube_dir"
  node_bridge
  node_guard add
  if ! node_containerd_up "$CONTAINERD_SOCKET"; then
    log "node: starting containerd (socket $CONTAINERD_SOCKET)"
    # Nothing is ever pulled: pods run images from scripts/images (imagePullPolicy: Never).
    # A pod that names a registry image anyway must not reach the network, not even its DNS:
    # every pull goes to a proxy that is not there, and fails at once.
    TMPDIR=$NODE_DIR/tmp start_daemon containerd env -u NO_PROXY -u no_proxy \
      HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
      containerd --config "$NODE_DIR/containerd/config.toml"
    wait_until 30 "containerd" node_containerd_up "$CONTAINERD_SOCKET" ||
      die_with_log containerd "containerd did not start"
  fi
  if ! ctr --address "$CONTAINERD_SOCKET" -n k8s.io images check "name==$PAUSE_IMAGE" 2>/dev/null | grep -q complete; then
    ctr --address "$CONTAINERD_SOCKET" -n k8s.io images import "$(node_pause_archive)" >/dev/null ||
      die "cannot import the pause image into containerd"
  fi
  node_start_forwarders
  node_kafka_follow
  daemon_alive kube-scheduler || start_daemon kube-scheduler "$SAASCRIPT_BIN/kube-scheduler" \
    --kubeconfig "$kube_dir/kubeconfigs/kube-scheduler.kubeconfig" \
    --port 0 --secure-port 0 --leader-elect=false
  # conntrack: 0 leaves the host's limits and timeouts alone.
  daemon_alive kube-proxy || start_daemon kube-proxy "$SAASCRIPT_BIN/kube-proxy" \
    --kubeconfig "$kube_dir/kubeconfigs/kube-proxy.kubeconfig" --hostname-override "$NODE_NAME" \
    --proxy-mode iptables --bind-address 127.0.0.1 \
    --healthz-bind-address 127.0.0.1:10256 --metrics-bind-address 127.0.0.1:10249 \
    --nodeport-addresses 127.0.0.0/8 --cluster-cidr "$NODE_CLUSTER_CIDR" \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0
  daemon_alive kubelet || node_start_kubelet "$kube_dir"
  echo "$SAASCRIPT_STATE" >"$NODE_POINTER"
  wait_until 120 "node '$NODE_NAME' Ready" node_status || die_with_log kubelet "the node did not become Ready"
  log "node: '$NODE_NAME' Ready in $((SECONDS - started)) s; pods reach the host at $NODE_HOST_ADDR"
}

node_stop() {
  # Only a node this clone started: its pids, or host state it recorded.
  daemon_alive kubelet || daemon_alive containerd || [ -f "$NODE_DIR/host/complete" ] || return 0
  local started=$SECONDS
  node_stop_metrics_api
  # The kubelet first, or it would start again each pod we stop; then every pod, as the
  # kubelet would (grace period, then the sandbox, whose network CNI tears down).
  stop_daemon kubelet
  if node_containerd_up "$CONTAINERD_SOCKET"; then
    "$SAASCRIPT_BIN/saascript-cri" "unix://$CONTAINERD_SOCKET" stop-all >>"$SAASCRIPT_STATE/logs/containerd.log" 2>&1 ||
      log "node: some pods did not stop cleanly; see $SAASCRIPT_STATE/logs/containerd.log"
  fi
  stop_daemon kube-proxy
  stop_daemon kube-scheduler
  node_stop_forwarders
  stop_daemon containerd
  node_kill_shims
  node_restore_host
  # Back to 127.0.0.1, unless the broker is being stopped as well (`make down`).
  [[ " ${SAASCRIPT_STOPPING:-} " == *" kafka "* ]] || node_kafka_follow
  if [ "$(cat "$NODE_POINTER" 2>/dev/null)" = "$SAASCRIPT_STATE" ]; then rm -f "$NODE_POINTER"; fi
  log "node: stopped and the host put back in $((SECONDS - started)) s"
}

# The metrics API (scripts/operator, scripts/metrics-api.sh) serves on NODE_HOST_ADDR, which goes
# with the node: its APIService, left registered, would break discovery (namespaces would stay
# Terminating). So the node takes the registration and the server along; `scripts/operator up`
# brings them back.
node_stop_metrics_api() {
  node_kubectl delete apiservice -l app.kubernetes.io/name=saascript-metrics-api >/dev/null 2>&1 || true
  stop_daemon metrics-api
}

# A shim outlives containerd by design; any left (a pod that would not stop) is ours when it
# serves our socket.
node_kill_shims() {
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCKET( |\$)" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# Back to a fresh machine: no node, no state, no cached binaries or images; --purge also
# removes the packages.
node_reset() {
  node_stop
  node_unmount_under "$NODE_DIR"
  # The node's state with scripts/images' archives, and the cached pause image and binaries.
  rm -rf "$NODE_DIR" "$SAASCRIPT_STATE/images" "$SAASCRIPT_CACHE/images"
  local name
  for name in kubelet kube-scheduler kube-proxy saascript-cri saascript-pause; do rm -f "$SAASCRIPT_BIN/$name"; done
  if [ "${1:-}" = --purge ]; then
    # Not gcc: the Rust toolchain's build-essential needs it.
    apt_purge containerd runc containernetworking-plugins iptables nftables conntrack socat buildah
  fi
}

# Ready in the API, and the kubelet healthy (its /healthz lags behind Ready for a few seconds
# after a start).
node_status() { node_ready && curl -fsS --max-time 2 http://127.0.0.1:10248/healthz >/dev/null 2>&1; }

node_env() {
  # A node started by another clone: its containerd and buildah storage.
  local dir=$NODE_DIR
  [ -f "$NODE_POINTER" ] && dir=$(cat "$NODE_POINTER")/node
  echo "SAASCRIPT_NODE_HOST_ADDR=$NODE_HOST_ADDR"
  echo "SAASCRIPT_CONTAINERD_SOCKET=$dir/containerd/containerd.sock"
  echo "SAASCRIPT_BUILDAH_ROOT=$dir/buildah/root"
  echo "SAASCRIPT_BUILDAH_RUNROOT=$dir/buildah/runroot"
}
