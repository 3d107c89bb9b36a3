#!/usr/bin/env bash
# Stops the services started by test/services/up.sh (test dockerd, its
# containerd, the registry). Data stays unless --purge is given.
#
# Usage: test/services/down.sh [--purge]
#   --purge   also remove the test daemon's containers and networks, the
#             bridge, and the whole state folder (images, registry data).
# Environment:
#   SLM_TEST_STATE   state folder (default /tmp/slm-deck-test)
set -euo pipefail

STATE="${SLM_TEST_STATE:-/tmp/slm-deck-test}"
SOCK="$STATE/docker.sock"
BRIDGE="slmdeck0"
MARKER=".slm-deck-test-state"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

PURGE=0
for arg in "$@"; do
  case "$arg" in
    --purge) PURGE=1 ;;
    -h | --help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "down.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[test-services] %s\n' "$*" >&2; }

if [ ! -d "$STATE" ]; then
  log "nothing to stop ($STATE does not exist)"
  exit 0
fi
if [ ! -e "$STATE/$MARKER" ]; then
  log "error: $STATE is not a test services state folder (no $MARKER); refusing to touch it"
  exit 1
fi

# Same guard as up.sh: the pid must still belong to the process we started.
pid_of() {
  local file=$1 pattern=$2 pid
  [ -s "$file" ] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern" || return 1
  echo "$pid"
}

alive() { # a zombie (state Z) counts as exited
  [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null
}

stop() { # stop NAME PIDFILE PATTERN TIMEOUT
  local what=$1 file=$2 pattern=$3 timeout=$4 pid i
  if ! pid=$(pid_of "$file" "$pattern"); then
    rm -f "$file"
    return 0
  fi
  log "stopping $what (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$what did not exit in ${timeout}s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$file"
}

if [ "$PURGE" = 1 ] && curl -sf --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; then
  # Only the test daemon is addressed here (-H), never the developer's Docker.
  ids=$(docker -H "unix://$SOCK" ps -aq 2>/dev/null || true)
  if [ -n "$ids" ]; then
    log "removing test containers"
    # shellcheck disable=SC2086
    docker -H "unix://$SOCK" rm -f $ids >/dev/null 2>&1 || true
  fi
  docker -H "unix://$SOCK" network prune -f >/dev/null 2>&1 || true
fi

stop dockerd "$STATE/dockerd.pid" "$SOCK" 40
stop containerd "$STATE/containerd.pid" "$STATE/containerd/config.toml" 20
stop registry "$STATE/registry.pid" "$STATE/registry.yml" 20

if [ "$PURGE" = 1 ]; then
  # Leftover mounts (container shm, network namespaces) of a daemon that was
  # killed: unmount, deepest first, before deleting.
  awk -v s="$STATE/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link del "$BRIDGE" 2>/dev/null || true
  fi
  log "removing $STATE"
  rm -rf "$STATE"
fi
if [ "$PURGE" = 1 ]; then log "test services down (purged)"; else log "test services down (data kept in $STATE)"; fi
