#!/usr/bin/env bash
# Install what the project needs on a Debian machine, as root:
#   Debian packages from bindep.txt for the given profiles, then a virtualenv in .venv with
#   the package (editable) and, for the "test" profile, the test requirements.
#   With the "stacks" profile, also the Debian 11 root that judges as RHOSP 16.2's cluster stack
#   (pacemaker 2.0.5, pcs 0.10.8; built once, cached outside the clone: tools/stack-root.sh).
#   With the "cloud" profile, also .venv-cloud: the real nova, placement, keystone and glance of
#   tests/realcloud, apart from .venv so their pins never meet openstack-heat's.
# Usage: tools/setup-env.sh [profile ...]   (profiles: default rehearse test e2e stacks cloud)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
profiles=("default" "$@")

want=$(awk -v profiles="${profiles[*]}" '
  BEGIN { n = split(profiles, p, " "); for (i = 1; i <= n; i++) want[p[i]] = 1 }
  /^[[:space:]]*(#|$)/ { next }
  {
    pkg = $1; ok = 0
    if (match($0, /\[[^]]*\]/)) {
      tags = substr($0, RSTART + 1, RLENGTH - 2); m = split(tags, t, " ")
      for (j = 1; j <= m; j++) if (t[j] in want) ok = 1
    } else ok = 1
    if (ok) print pkg
  }' bindep.txt)

missing=()
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: missing Debian packages: ${missing[*]} (fix: run this script as root)" >&2
    exit 2
  fi
  # Never let package scripts start corosync/pacemaker in the host namespace.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pip's output goes to a log, shown only when pip fails.
pip_quiet() {
  if ! .venv/bin/pip install -q "$@" > .venv/pip.log 2>&1; then
    grep -v "is ignored" .venv/pip.log >&2
    echo "error: pip install failed (log: .venv/pip.log)" >&2
    exit 2
  fi
}
# "cloud" alone only builds .venv-cloud; it never touches .venv, nor is it part of .venv's stamp.
venv_profiles=()
for p in "$@"; do [ "$p" = cloud ] || venv_profiles+=("$p"); done
if [ $# -eq 0 ] || [ ${#venv_profiles[@]} -gt 0 ]; then
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    pip_quiet -U pip setuptools wheel
  fi
  reqs=(-r requirements.txt)
  target=.
  case " $* " in *" test "*) reqs+=(-r test-requirements.txt) ;; esac
  # The main job validates with Heat's engine too.
  case " $* " in *" rehearse "*) target=".[heat]" ;; esac
  profiles_key="${venv_profiles[*]}"
  stamp=.venv/.installed-$(cat requirements.txt test-requirements.txt setup.cfg | sha1sum | cut -c1-12)-${profiles_key// /-}
  if [ ! -e "$stamp" ]; then
    pip_quiet "${reqs[@]}" -e "$target"
    .venv/bin/python -c 'import tripleo_instanceha' && touch "$stamp"
  fi
fi
case " $* " in *" stacks "*) bash tools/stack-root.sh build >/dev/null ;; esac
case " $* " in *" cloud "*)
  # Downloaded and built wheels stay outside the clone, so a fresh clone (CI) installs warm.
  export PIP_CACHE_DIR=${TRIPLEO_INSTANCEHA_CACHE:-/var/cache/tripleo-instanceha}/pip
  cloud_reqs=tests/realcloud/requirements.txt
  cloud_pip() {
    if ! .venv-cloud/bin/pip install -q "$@" > .venv-cloud/pip.log 2>&1; then
      grep -v "is ignored" .venv-cloud/pip.log >&2
      echo "error: pip install failed (log: .venv-cloud/pip.log)" >&2
      exit 2
    fi
  }
  if [ ! -x .venv-cloud/bin/python ]; then
    python3 -m venv .venv-cloud
    cloud_pip -U pip setuptools wheel
  fi
  cloud_stamp=.venv-cloud/.installed-$(sha1sum < "$cloud_reqs" | cut -c1-12)
  if [ ! -e "$cloud_stamp" ]; then
    cloud_pip -r "$cloud_reqs"
    .venv-cloud/bin/python -c 'import nova, placement, keystone, glance, openstack' && touch "$cloud_stamp"
  fi
  ;;
esac
