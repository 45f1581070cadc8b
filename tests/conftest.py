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
    """The cluster stack judging the requesting tests (tests/stacks.py).

    It changes nothing by itself: tests run on it through ``on_cluster_stack``,
    and higher-scoped fixtures that run pacemaker's tools use ``stacks.active``.
    """
    try:
        judge = stacks.judge(request.param)
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    judge = stacks.with_shims(judge, str(tmp_path_factory.mktemp(f"shims-{judge.id}")))
    with stacks.active(judge):
        found = stacks.version_on_path(dict(os.environ))
    if found != judge.pacemaker:
        pytest.fail(f"{judge.origin}: crm_simulate on PATH is pacemaker {found}, "
                    f"expected {judge.pacemaker}", pytrace=False)
    _JUDGES.setdefault(judge.id, [None, {}])[0] = judge.origin
    yield judge
    if judge.root:
        left = stacks.mounts_under(judge.root)
        assert not left, f"mounts left inside {judge.root}: {left}"


@pytest.fixture
def on_cluster_stack(cluster_stack):
    """Run one test with its cluster stack's tools first in PATH."""
    with stacks.active(cluster_stack):
        yield cluster_stack


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


# The real-Nova tests (tests/realcloud, tests/drill, tests/status) carry the ``realcloud``
# marker: ``-m "not realcloud"`` leaves them out.
def pytest_configure(config):
    config.addinivalue_line(
        "markers", "realcloud: real nova/placement/keystone/glance, MariaDB and RabbitMQ "
        "(slow: minutes; needs root and .venv-cloud from tools/setup-env.sh cloud)")
