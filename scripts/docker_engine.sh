#!/usr/bin/env bash
# Make sure a Docker engine answers on the default socket; install and start dockerd if it doesn't.
# Safe to call repeatedly: an engine that already answers (CI runners, a previous call) is left alone.
#   scripts/docker_engine.sh           ensure the engine is up
#   scripts/docker_engine.sh --check   also smoke-test a user-defined network (needs the test-base image)
# Environment: DOCKERD_LOG (log file), DOCKERD_WAIT_S (start-up wait), DOCKERD_STORAGE_DRIVER (override).
set -euo pipefail

LOG="${DOCKERD_LOG:-/var/log/dockerd-jupyter-estimator.log}"
WAIT_S="${DOCKERD_WAIT_S:-60}"
DATA_ROOT=/var/lib/docker
LOCK=/var/lock/jupyter-estimator-dockerd.lock
CHECK_IMAGE=jupyter-estimator/test-base:bookworm

check=0
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
  esac
done

say() { echo "docker_engine: $*"; }
# `docker version` exits non-zero unless the *server* part answers too.
engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"  # a non-root CI user can only install/start the daemon through sudo

ensure_up() {
  if engine_up; then
    say "engine already answers (server $(docker version --format '{{.Server.Version}}'))"
    return 0
  fi

  if ! command -v dockerd >/dev/null 2>&1; then
    say "dockerd missing: installing docker.io"
    # --no-install-recommends skips apparmor/criu/needrestart, which a sandbox without systemd doesn't use.
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
  # The package may bring its own CLI (/usr/bin/docker); a CLI already earlier on PATH still wins.
  command -v docker >/dev/null 2>&1 || { echo "docker_engine: no docker CLI on PATH" >&2; exit 1; }

  # Serialise concurrent callers so only one of them starts a daemon.
  exec 9>"$LOCK"
  flock 9
  if engine_up; then
    say "engine came up while waiting for the lock"
    return 0
  fi

  # A daemon from an earlier call may still be starting (it writes /var/run/docker.pid only after a
  # moment); starting a second one would just fail on the pid file, so wait for it instead.
  local pid
  pid="$(pgrep -x dockerd | head -n1 || true)"
  if [ -n "$pid" ]; then
    say "dockerd (pid $pid) is running but not answering yet; waiting for it"
  else
    local flags=()
    # overlay2 needs overlayfs on the data root's filesystem; it fails e.g. when that is itself an
    # overlay (Docker-in-Docker). Probe with a real mount and fall back to vfs (slow, but works anywhere).
    local driver="${DOCKERD_STORAGE_DRIVER:-}"
    if [ -z "$driver" ]; then
      $SUDO mkdir -p "$DATA_ROOT"
      local probe
      probe="$($SUDO mktemp -d "$DATA_ROOT/.overlay-probe.XXXXXX")"
      $SUDO mkdir -p "$probe/l" "$probe/u" "$probe/w" "$probe/m"
      if $SUDO mount -t overlay overlay -o "lowerdir=$probe/l,upperdir=$probe/u,workdir=$probe/w" "$probe/m" 2>/dev/null; then
        $SUDO umount "$probe/m"
        driver=overlay2
      else
        driver=vfs
      fi
      $SUDO rm -rf --one-file-system "$probe"
    fi
    flags+=("--storage-driver=$driver")
    # Outbound NAT from bridge networks and published ports need iptables. Without a working NAT
    # table, still start (containers run) but say what's missing: networking tests may then fail.
    if ! $SUDO iptables -t nat -S >/dev/null 2>&1; then
      flags+=("--iptables=false")
      say "WARNING: iptables NAT table unavailable; starting with --iptables=false (no outbound NAT/port publishing)"
    fi

    say "starting: dockerd ${flags[*]} (log: $LOG)"
    $SUDO mkdir -p "$(dirname "$LOG")"
    # setsid+nohup detach it from this shell's session and process group so it outlives the script;
    # logging to a file (not a pipe) means nothing blocks once the script's reader is gone; 9>&- keeps
    # the daemon from inheriting (and holding forever) the lock.
    # shellcheck disable=SC2016  # $0/$@ are expanded by the inner sh
    $SUDO sh -c 'setsid nohup dockerd "$@" >>"$0" 2>&1 </dev/null &' "$LOG" "${flags[@]}" 9>&-
  fi

  local i
  for ((i = 0; i < WAIT_S; i++)); do
    if engine_up; then
      say "engine up after ${i}s (server $(docker version --format '{{.Server.Version}}'), storage $(docker info --format '{{.Driver}}'))"
      return 0
    fi
    sleep 1
  done
  echo "docker_engine: dockerd did not answer within ${WAIT_S}s; last lines of $LOG:" >&2
  $SUDO tail -n 40 "$LOG" >&2 || true
  exit 1
}

# Two containers on a user-defined bridge network reach each other by name (what multi-container
# distributed runs rely on): one serves HTTP, the other resolves its name and fetches from it.
smoke_check() {
  if ! docker image inspect "$CHECK_IMAGE" >/dev/null 2>&1; then
    say "--check skipped: $CHECK_IMAGE missing (scripts/build_test_image.sh builds it)"
    return 0
  fi
  local net="je-check-$$"
  # shellcheck disable=SC2064  # expand $net now
  trap "docker rm -f $net-server >/dev/null 2>&1 || true; docker network rm $net >/dev/null 2>&1 || true" EXIT
  docker network create "$net" >/dev/null
  docker run -d --name "$net-server" --network "$net" "$CHECK_IMAGE" \
    python3 -m http.server 8000 --directory /etc >/dev/null
  docker run --rm --network "$net" "$CHECK_IMAGE" python3 -c '
import socket, sys, time, urllib.request
host = sys.argv[1]
for _ in range(50):
    try:
        body = urllib.request.urlopen(f"http://{host}:8000/jupyter-estimator-test-image", timeout=2).read()
        break
    except OSError:
        time.sleep(0.2)
else:
    sys.exit(f"could not reach {host}:8000")
print(f"docker_engine: --check ok: {host} -> {socket.gethostbyname(host)} served {body.decode().strip()!r}")
' "$net-server"
}

ensure_up
[ "$check" = 0 ] || smoke_check
