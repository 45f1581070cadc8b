#!/usr/bin/env bash
# The whole test suite: installs its Debian and pip dependencies, then runs every test.
# Extra arguments go to pytest (e.g. tools/test.sh tests/fencing -x).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/setup-env.sh rehearse test e2e stacks cloud
.venv/bin/flake8 tools tests
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
rc=$?
set -e
# pytest exit 5 = no test collected: that is a failure for us, not a pass.
[ "$rc" = 5 ] && { echo "error: no tests were collected" >&2; exit 1; }
exit "$rc"
