#!/usr/bin/env bash
# The RHOSP 16.2 cluster stack as a judge: a Debian bullseye root holding pacemaker 2.0.5 and
# pcs 0.10.8 (the upstream versions RHEL 8.4 ships; Debian's builds, not RHEL's backports).
#
#   tools/stack-root.sh build        build the root once (as root), cached outside the clone
#   tools/stack-root.sh path         print the root's path (exit 1 when it is not built)
#   tools/stack-root.sh run CMD ...  run CMD inside the root
#
# A command runs in a private mount namespace: /proc, /dev, /tmp, /var/tmp, the clone and the
# working directory are bind-mounted into the root for that one process and vanish with it,
# so nothing stays mounted whatever happens to the caller.
set -euo pipefail

SUITE=bullseye
# Pinned: the suite, the mirror and the exact package versions the root must end up with.
MIRROR=${TRIPLEO_INSTANCEHA_BULLSEYE_MIRROR:-http://deb.debian.org/debian}
# fence-agents: pcs checks every stonith option against the installed agent's metadata.
INCLUDE=pacemaker-cli-utils,pcs,python3-cffi-backend,fence-agents
EXPECT="pacemaker-cli-utils=2.0.5-2 pcs=0.10.8-1+deb11u1"
CACHE=${TRIPLEO_INSTANCEHA_STACK_CACHE:-/var/cache/tripleo-instanceha/stacks}
KEY=$(printf '%s %s %s %s' "$SUITE" "$MIRROR" "$INCLUDE" "$EXPECT" | sha1sum | cut -c1-10)
ROOT="$CACHE/$SUITE-$KEY"
clone=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "error: $*" >&2; exit 2; }

check_versions() {
  local want pkg version have
  for want in $EXPECT; do
    pkg=${want%%=*}; version=${want#*=}
    have=$(chroot "$1" dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) || have=missing
    [ "$have" = "$version" ] || { echo "$pkg is $have, expected $version"; return 1; }
  done
}

build() {
  [ "$(id -u)" = 0 ] || die "building the $SUITE root needs root (fix: run as root)"
  if [ -x "$ROOT/usr/sbin/crm_simulate" ]; then
    echo "$ROOT"; return 0
  fi
  command -v debootstrap >/dev/null || die "debootstrap is missing (fix: apt-get install debootstrap)"
  mkdir -p "$CACHE"
  # A build killed half-way leaves only a *.partial-PID folder: swept here, never used.
  local stale
  for stale in "$CACHE/$SUITE-$KEY".partial-*; do
    [ -d "$stale" ] || continue
    kill -0 "${stale##*-}" 2>/dev/null || rm -rf --one-file-system "$stale"
  done
  local tmp="$ROOT.partial-$$" log="$CACHE/$SUITE-$KEY.log" start=$SECONDS
  trap 'rm -rf --one-file-system "$tmp"' EXIT
  if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" "$MIRROR" >"$log" 2>&1; then
    tail -5 "$log" >&2
    die "could not build the $SUITE root from $MIRROR (log: $log; fix: check the network, or set TRIPLEO_INSTANCEHA_BULLSEYE_MIRROR to a reachable Debian mirror)"
  fi
  local bad
  bad=$(check_versions "$tmp") || die "the $SUITE root does not hold the pinned versions: $bad"
  rm -rf "$tmp/var/cache/apt/archives/"*.deb
  mv "$tmp" "$ROOT"
  trap - EXIT
  echo "built $ROOT in $((SECONDS - start)) s" >&2
  echo "$ROOT"
}

inside() {
  # Runs in the private mount namespace made by `run`.
  local dir seen=" "
  for dir in /proc /dev /tmp /var/tmp "$clone" "$PWD" ${TMPDIR:+"$TMPDIR"}; do
    case "$seen" in *" $dir "*) continue ;; esac
    seen="$seen$dir "
    [ -d "$dir" ] || continue
    mkdir -p "$ROOT$dir"
    mount --rbind "$dir" "$ROOT$dir"
  done
  exec env -u PYTHONPATH -u PYTHONHOME -u VIRTUAL_ENV \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$ROOT" sh -c 'cd "$1" && shift && exec "$@"' \
    sh "$PWD" "$@"
}

case "${1:-}" in
  build) build ;;
  path) [ -x "$ROOT/usr/sbin/crm_simulate" ] && echo "$ROOT" || { echo "$ROOT"; exit 1; } ;;
  run)
    shift
    [ $# -gt 0 ] || die "usage: $0 run CMD ..."
    [ -x "$ROOT/usr/sbin/crm_simulate" ] || die "the $SUITE root is not built (fix: bash tools/setup-env.sh stacks)"
    exec unshare --mount --propagation private -- "$0" _inside "$@" ;;
  _inside) shift; inside "$@" ;;
  *) die "usage: $0 build | path | run CMD ..." ;;
esac
