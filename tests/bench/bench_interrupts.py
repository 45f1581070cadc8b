"""Benchmark: how long the window before the interrupt handler lasts.

Run: .venv/bin/python tests/bench/bench_interrupts.py
Prints figures only. The window is from the spawn of the console script's
interpreter until ``cli.app.main`` has installed the SIGINT/SIGTERM handler
(seen from outside: the child's /proc/PID/status starts catching SIGTERM);
for scale, the bare interpreter start (``python -c pass``) and the time until
the full command set is loaded (``--version``). The goal: the window is the
interpreter start plus a few milliseconds, far below the command's start-up.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from tests.child import child_env, command  # noqa: E402
from tests.test_interrupts import handler_installed  # noqa: E402

RUNS = 15


def window() -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(command("--version"), env=child_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while not handler_installed(proc.pid):
        if proc.poll() is not None:
            raise RuntimeError("exited before the handler was seen")
    elapsed = time.perf_counter() - start
    proc.wait()
    return elapsed


def run(argv) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=child_env(), stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    bare = [run([sys.executable, "-c", "pass"]) for _ in range(RUNS)]
    windows = [window() for _ in range(RUNS)]
    version = [run(command("--version")) for _ in range(RUNS // 3)]
    print(f"interpreter start (python -c pass): median {statistics.median(bare) * 1000:6.1f} ms")
    print(f"window until the handler exists:    median {statistics.median(windows) * 1000:6.1f} ms"
          f"  (max {max(windows) * 1000:.1f} ms, {RUNS} runs)")
    print(f"whole '--version' (cliff loaded):   median {statistics.median(version) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
