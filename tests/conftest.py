"""Shared fixtures: paths to our tree, the bundled example, and the cluster stack judging a test."""
import os

import pytest

from tests import stacks
from tripleo_instanceha.cluster import stacks as product_stacks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: stack id -> [where its tools came from, {outcome: count}]
_JUDGES = {}
#: test id -> the stack id judging it
_STACK_OF = {}


@pytest.fixture
def root():
    return ROOT


@pytest.fixture(scope="session", params=stacks.KEYS, ids=lambda key: f"rhosp{key}")
def cluster_stack(request, tmp_path_factory):
    """Run the requesting tests with this stack's pacemaker and pcs first in PATH.

    The product's default target stack follows the judge, so the CIBs the
    tests build declare a schema the judging pacemaker accepts.
    """
    try:
        judge = stacks.judge(request.param)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    old_path, old_default = os.environ["PATH"], product_stacks.DEFAULT
    if judge.root:
        shims = stacks.write_shims(judge, str(tmp_path_factory.mktemp(f"shims-{judge.id}")))
        os.environ["PATH"] = shims + os.pathsep + old_path
    product_stacks.DEFAULT = judge.product
    try:
        found = stacks.version_on_path(dict(os.environ))
        if found != judge.pacemaker:
            pytest.fail(f"{judge.origin}: crm_simulate on PATH is pacemaker {found}, "
                        f"expected {judge.pacemaker}", pytrace=False)
        _JUDGES.setdefault(judge.id, [None, {}])[0] = judge.origin
        yield judge
    finally:
        os.environ["PATH"] = old_path
        product_stacks.DEFAULT = old_default
    if judge.root:
        left = stacks.mounts_under(judge.root)
        assert not left, f"mounts left inside {judge.root}: {left}"


def pytest_collection_modifyitems(items):
    for item in items:
        key = getattr(getattr(item, "callspec", None), "params", {}).get("cluster_stack")
        if key:
            _STACK_OF[item.nodeid] = f"pcmk-{product_stacks.STACKS[key].pacemaker}"


def pytest_runtest_logreport(report):
    name = _STACK_OF.get(report.nodeid)
    if name and report.when == "call":
        counts = _JUDGES.setdefault(name, [None, {}])[1]
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter):
    """Say which stacks judged the run: a stack that never ran is visible here."""
    if not _STACK_OF:
        return
    parts = []
    for name in sorted({*_STACK_OF.values(), *_JUDGES}):
        origin, counts = _JUDGES.get(name, [None, {}])
        tally = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no test ran"
        parts.append(f"{name} ({origin or 'not set up'}): {tally}")
    terminalreporter.write_line("cluster stacks judged: " + "; ".join(parts))
