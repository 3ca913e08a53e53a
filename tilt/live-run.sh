#!/busybox/sh
# PID 1 of the images Tilt builds (binary.Dockerfile): runs $SAASCRIPT_BINARY and, on SIGHUP,
# stops it and runs it again, from /tmp/live/ when live_update has synced a new one there.
#
# Why not Tilt's restart_process extension: its wrapper watches a trigger file that must exist
# when the container starts, and the only writable place, /tmp (the operator runs every pod with
# a read-only root), is an emptyDir mounted over the image's, so it starts empty. Why /tmp/live:
# it is that writable place, and the emptyDir outlives a restart of the container.
name=${SAASCRIPT_BINARY:?the image sets SAASCRIPT_BINARY}
incoming=/tmp/live/incoming/$name
live=/tmp/live/$name
child=
restart=

# SIGTERM goes on to the service, which drains (SHUTDOWN_DELAY_SECONDS) before it exits.
trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null' TERM INT
trap 'restart=1; [ -z "$child" ] || kill -TERM "$child" 2>/dev/null' HUP

while :; do
  restart=
  # A rename, not a copy: the synced file may be replaced while the old one runs (ETXTBSY).
  if [ -f "$incoming" ]; then
    mv -f "$incoming" "$live" && chmod 0755 "$live"
  fi
  bin=/usr/local/bin/$name
  [ -x "$live" ] && bin=$live
  "$bin" "$@" &
  child=$!
  # A trapped signal ends `wait` early, with the service still running: wait again.
  wait "$child"
  status=$?
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    status=$?
  done
  child=
  [ -n "$restart" ] || exit "$status"
  echo "live-run: restarting $name" >&2
done
