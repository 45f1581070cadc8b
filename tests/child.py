"""The console script as a real child process, never allowed to hang a test run.

Why a child: a hang or a signal must be judged from outside, as an operator's
shell sees it (exit status, stderr, what is left on disk). A run that outlives
its generous bound is killed with its whole process group and the test fails
saying so, instead of blocking the suite.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Seconds a hostile-input run may take before it counts as a hang.
HANG_BOUND = 60.0


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str


def child_env(tmpdir: Optional[str] = None, extra: Optional[Dict[str, str]] = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "tools") + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TRIPLEO_INSTANCEHA_CACHE", os.path.join(ROOT, ".cache"))
    if tmpdir:
        env["TMPDIR"] = tmpdir
    env.update(extra or {})
    return env


def command(*argv: str) -> list:
    return [sys.executable, "-m", "tripleo_instanceha.cli.app", *argv]


def start(argv: Sequence[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen(command(*argv), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen, bound: float = HANG_BOUND) -> Finished:
    """Wait for `proc`; kill its group and fail the test if it outlives `bound`."""
    try:
        out, err = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"still running after {bound:.0f} s (killed): a hang; "
                             f"stderr so far: {err[-500:]!r}") from None
    return Finished(proc.returncode, out, err)


def run(*argv: str, tmpdir: Optional[str] = None, bound: float = HANG_BOUND) -> Finished:
    return finish(start(argv, child_env(tmpdir)), bound)
