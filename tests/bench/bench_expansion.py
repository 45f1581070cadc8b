"""Benchmark: peak memory of `validate` (with the engine) and `prepare` on the alias bomb.

Run: .venv/bin/python tests/bench/bench_expansion.py
Prints figures only; the bound is read from them, never asserted:
- a -e file of 60 nested aliases (10**7 nodes) under ControllerExtraConfig is
  refused by `validate` and `prepare` with a peak RSS of at most 100 MiB and in
  about a second (before the shared bound: validate > 60 s, killed, 460 MB
  and rising; prepare 2.7 GB);
- for scale, the same commands on the plan without the bomb.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tests.child import child_env, command  # noqa: E402
from tests.test_expansion import BOMB, EXAMPLE  # noqa: E402
from tripleo_instanceha import tht  # noqa: E402

#: The bound stated for a refused bomb, in MiB of peak resident memory.
BOUND_MIB = 100


def peak(argv, tmpdir):
    """(exit code, wall seconds, peak RSS MiB) of one child run."""
    start = time.perf_counter()
    with subprocess.Popen(command(*argv), env=child_env(tmpdir), stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL) as proc:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    tht_dir = tht.fetch("18.0.0")
    with tempfile.TemporaryDirectory() as tmp:
        bomb = os.path.join(tmp, "bomb.yaml")
        with open(bomb, "w", encoding="utf-8") as handle:
            handle.write(BOMB)
        plan = ["--templates", tht_dir, "-r", os.path.join(EXAMPLE, "roles_data.yaml"),
                "--nodes", os.path.join(EXAMPLE, "instackenv.json")]
        runs = {
            "validate (engine), bomb": ["validate", *plan, "-e", bomb],
            "prepare, bomb": ["prepare", "--templates", tht_dir, "--nodes",
                              os.path.join(EXAMPLE, "instackenv.json"), "-e", bomb,
                              "--output-dir", os.path.join(tmp, "out")],
            "validate (engine), no bomb": ["validate", *plan],
        }
        for name, argv in runs.items():
            code, wall, mib = peak(argv, tmp)
            held = "held" if mib <= BOUND_MIB and code == 2 else "EXCEEDED"
            verdict = "" if "no bomb" in name else f"  bound {BOUND_MIB} MiB: {held}"
            print(f"{name:28s} exit {code}  {wall:6.2f} s  peak {mib:7.1f} MiB{verdict}")


if __name__ == "__main__":
    main()
