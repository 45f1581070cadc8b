#!/usr/bin/env bash
# The main job on the bundled example: validate the plan, generate fencing, rehearse failures.
# Installs what it needs first (as root on Debian). Output goes to ./out/demo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/setup-env.sh rehearse
exec .venv/bin/tripleo-instanceha demo --output-dir out/demo "$@"
