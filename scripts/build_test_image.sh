#!/usr/bin/env bash
# Build the offline Docker test images once per machine (skipped when the tag already exists).
#   scripts/build_test_image.sh          -> jupyter-estimator/test-base:bookworm (python3 + venv)
#   scripts/build_test_image.sh --mpi    -> also jupyter-estimator/test-mpi:bookworm (+ openmpi-bin)
#   --force                              -> rebuild even if the tag exists
# No image registry is reachable here, so images come from debootstrap + `docker import`
# against the Debian mirror apt already uses. Needs root and a running engine
# (scripts/docker_engine.sh).
set -euo pipefail

SUITE=bookworm
BASE_TAG="jupyter-estimator/test-base:$SUITE"
MPI_TAG="jupyter-estimator/test-mpi:$SUITE"
MARKER=/etc/jupyter-estimator-test-image   # tests read this to prove they ran inside the image
LOCK=/var/lock/jupyter-estimator-test-image.lock

want_mpi=0
force=0
for arg in "$@"; do
  case "$arg" in
    --mpi) want_mpi=1 ;;
    --force) force=1 ;;
    *) echo "usage: $0 [--mpi] [--force]" >&2; exit 2 ;;
  esac
done

say() { echo "build_test_image: $*"; }

[ "$(id -u)" = 0 ] || { echo "build_test_image: needs root (debootstrap, numeric-owner tar)" >&2; exit 1; }
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || {
  echo "build_test_image: the Docker engine does not answer; run scripts/docker_engine.sh first" >&2
  exit 1
}

# Serialise concurrent callers (parallel CI jobs / test workers) so one builds and the rest reuse it.
exec 9>"$LOCK"
flock 9

# The mirror apt is configured with (deb822 `URIs:` or one-line `deb URL suite`), minus the security archive.
mirror_url() {
  local url
  url="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -Eo '(^URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+' |
    grep -Eo '[a-z]+://[^[:space:]]+' | grep -v -- '-security' | grep -E '/debian/?$' | head -n1 || true)"
  echo "${url:-http://deb.debian.org/debian}"
}

if ! command -v debootstrap >/dev/null 2>&1; then
  say "installing debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 ||
    apt-get install -y -q --no-install-recommends debootstrap  # rerun loudly to show why
fi

WORK=""
cleanup() {
  [ -n "$WORK" ] && [ -d "$WORK" ] || return 0
  # debootstrap mounts proc/sys in the target; a failed run can leave them mounted, and rm -rf must never
  # descend into the host's /proc. Unmount deepest first, then delete without crossing filesystems.
  { findmnt -rn -o TARGET | grep -F "$WORK/" || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# build TAG DEBOOTSTRAP_INCLUDES MARKER_TEXT FLAVOUR_LABEL
build() {
  local tag="$1" include="$2" marker_text="$3" flavour="$4" rootfs start end old
  old="$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)"
  if [ "$force" = 0 ] && [ -n "$old" ]; then
    say "$tag already present ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')), skipping"
    return 0
  fi
  start=$(date +%s)
  WORK="$(mktemp -d /var/tmp/je-test-image.XXXXXX)"  # on disk, not a tmpfs
  rootfs="$WORK/rootfs"
  say "debootstrap $SUITE ($include) from $(mirror_url) -> $tag"
  debootstrap --variant=minbase --include="$include" "$SUITE" "$rootfs" "$(mirror_url)" \
    >"$WORK/debootstrap.log" 2>&1 || {
    tail -n 30 "$WORK/debootstrap.log" >&2
    echo "build_test_image: debootstrap failed" >&2
    exit 1
  }

  # Keep the image small: package caches, apt lists, docs, man pages and non-English locales are
  # not needed to run Python scripts (dpkg still knows the packages are installed).
  rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/debootstrap
  # (The stdlib __pycache__ stays: without it every `python3` start recompiles, and non-root can't cache.)
  # Docker supplies its own /etc/hostname, /etc/hosts and /etc/resolv.conf; drop the build host's copies.
  : >"$rootfs/etc/hostname"
  : >"$rootfs/etc/resolv.conf"
  printf '%s\n' "$marker_text" >"$rootfs$MARKER"

  # proc/sys/dev are provided by the runtime; import only the rest, owners kept numerically.
  tar --numeric-owner --xattrs -C "$rootfs" --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* -cf - . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'WORKDIR /' \
      --change 'CMD ["python3"]' \
      --change "LABEL org.jupyter-estimator.test-image=$flavour" \
      --message "debootstrap --variant=minbase --include=$include $SUITE" \
      - "$tag" >/dev/null
  cleanup
  WORK=""
  # A --force rebuild leaves the previous image untagged; drop it unless a container still uses it.
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$tag")" ]; then
    docker image rm "$old" >/dev/null 2>&1 || true
  fi
  end=$(date +%s)
  say "built $tag in $((end - start)) s, $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
}

build "$BASE_TAG" python3,python3-venv "jupyter-estimator-test-image $SUITE" base
if [ "$want_mpi" = 1 ]; then
  # openssh-client comes along as openmpi-bin's dependency (mpirun's rsh/ssh launcher).
  build "$MPI_TAG" python3,python3-venv,openmpi-bin "jupyter-estimator-test-image $SUITE mpi" mpi
fi
