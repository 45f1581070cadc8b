"""The live cluster runs once per test session, both timing profiles at once.

Why one shared run: bringing a cluster up and failing nodes takes minutes, so
every test reads the observations of the same run instead of building its own
cluster; the profiles run concurrently (separate namespaces, separate fake
clouds). The run against a real Nova (test_real_nova.py) comes after them, alone.
"""
from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tripleo_instanceha.fileio import atomic_write
from tripleo_instanceha.paths import cache_dir

from . import remote_pkg, report, scenarios

_RESULTS: dict = {}
#: "run": the real-Nova run (test_real_nova.py), for the summary
REAL_NOVA: dict = {}


@pytest.fixture(scope="session")
def e2e_runs():
    """{profile key: ProfileRun}, after the clusters are gone again."""
    if _RESULTS:
        return _RESULTS
    if os.geteuid() != 0:
        pytest.fail("the live cluster test needs root (network namespaces, mounts); "
                    "run it as root: .venv/bin/python -m pytest tests/e2e")
    remoted = remote_pkg.pacemaker_remoted()
    keep = os.path.join(cache_dir(), "e2e-failed")
    started = time.monotonic()
    runners = [scenarios.Runner(p, i + 1, remoted, keep)
               for i, p in enumerate(scenarios.PROFILES)]
    with ThreadPoolExecutor(len(runners)) as pool:
        runs = list(pool.map(lambda r: r.execute(), runners))
    _RESULTS.update({r.profile.key: r for r in runs})
    _RESULTS["_wall"] = time.monotonic() - started
    return _RESULTS


def pytest_terminal_summary(terminalreporter):
    if not _RESULTS and not REAL_NOVA:
        return
    text = report.table(_RESULTS) if _RESULTS else ""
    data = report.timings(_RESULTS) if _RESULTS else {"components": {}, "rows": []}
    real = REAL_NOVA.get("run")
    if real is not None:
        text += "\n" + report.real_nova_text(real)
        data["rows"] += report.real_nova_rows(real)
        data["real_nova_components"] = report.real_nova_components()
    terminalreporter.write_sep("=", "live cluster timings")
    terminalreporter.write(text)
    path = os.path.join(cache_dir(), "e2e-timings.txt")
    with open(path, "w") as f:
        f.write(text)
    atomic_write(os.path.join(cache_dir(), "e2e-timings.json"),
                 json.dumps(data, indent=1) + "\n", mode=0o644)
