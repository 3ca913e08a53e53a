#!/usr/bin/env bash
# Shared helpers for the dependency scripts. Sourced, never run.
# Why one file: every dependency script needs the same paths, logging and waiting.

SAASCRIPT_ROOT=${SAASCRIPT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# State of the running stack (logs, pids, data, kubeconfig): per clone, gitignored.
SAASCRIPT_STATE=${SAASCRIPT_STATE:-$SAASCRIPT_ROOT/.saascript}
# Slow builds (Kubernetes, tansu, npm and pip installs) are cached outside the clone,
# so that a fresh clone on the same machine reuses them.
SAASCRIPT_CACHE=${SAASCRIPT_CACHE:-$HOME/.cache/saascript}
SAASCRIPT_BIN=$SAASCRIPT_CACHE/bin
mkdir -p "$SAASCRIPT_STATE/logs" "$SAASCRIPT_STATE/pids" "$SAASCRIPT_CACHE/bin"
export PATH="$SAASCRIPT_BIN:$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[deps]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[deps] error:\033[0m %s\n' "$*" >&2; exit 1; }

# die_with_log NAME MESSAGE: dies, printing the end of NAME's log first. Why: CI
# keeps only what was printed, so "see the log" alone leaves the cause unreadable.
die_with_log() {
  local logfile=$SAASCRIPT_STATE/logs/$1.log
  if [ -s "$logfile" ]; then
    printf '\033[1;31m[deps]\033[0m last lines of %s:\n' "$logfile" >&2
    tail -n 30 "$logfile" >&2
  fi
  die "$2; the whole log is $logfile"
}

# True when something accepts TCP connections on host:port.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "gave up waiting ${limit}s for $what"
      return 1
    fi
    sleep 0.2
  done
}

# apt_install PACKAGE...: installs only the Debian packages that are missing.
APT_UPDATED=${APT_UPDATED:-}
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  if [ -z "$APT_UPDATED" ]; then
    $sudo apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  # Waits for the dpkg lock rather than failing: another clone's `deps up` may be installing.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# apt_purge PACKAGE...: removes the installed ones with their configuration (for `deps reset`).
apt_purge() {
  local present=() purge=() p others
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && present+=("$p")
  done
  ((${#present[@]} == 0)) && return 0
  # Never take the machine's own packages along: purging iptables, say, would remove
  # rabbitmq-server and mariadb-server, which depend on it (seen here). A package whose purge
  # would remove anything outside this list is kept, and the log says what needs it.
  for p in "${present[@]}"; do
    others=$(apt-get -s purge "$p" 2>/dev/null | awk '/^Purg /{print $2}' |
      grep -vxF -f <(printf '%s\n' "${present[@]}") | tr '\n' ' ' || true)
    if [ -n "$others" ]; then
      log "keeping $p: purging it would also remove ${others% }"
    else
      purge+=("$p")
    fi
  done
  ((${#purge[@]} == 0)) && return 0
  log "apt-get purge ${purge[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "${purge[@]}" >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get autoremove --purge -y -qq >/dev/null
}

# Starts a long-running process detached from this shell, recording its pid.
# start_daemon NAME COMMAND...
start_daemon() {
  local name=$1; shift
  setsid nohup "$@" >>"$SAASCRIPT_STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$SAASCRIPT_STATE/pids/$name.pid"
}

# True when process PID runs. A zombie does not: our daemons' parent is init once the shell
# that started them exits, and on this kind of machine init reaps them only every second or two.
pid_alive() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# True when the daemon we started under NAME is still alive.
daemon_alive() {
  local pidfile=$SAASCRIPT_STATE/pids/$1.pid
  [ -f "$pidfile" ] && pid_alive "$(cat "$pidfile")"
}

# Stops a daemon that this clone started (never one we merely reused).
stop_daemon() {
  local pidfile=$SAASCRIPT_STATE/pids/$1.pid
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if pid_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
