"""Each target stack gets a CIB its own pacemaker accepts, and the 2.0.5 judge is really 2.0.5.

Judged by the stacks' real tools (tests/stacks.py): the host's pacemaker 2.1.5
and the Debian 11 root's 2.0.5.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import stacks
from tests.rehearse.conftest import NODES, PARAMS, ROLES, load_plan
from tripleo_instanceha import tht
from tripleo_instanceha.cluster import stacks as product
from tripleo_instanceha.cluster.model import ClusterModel

CLI = os.path.join(os.path.dirname(sys.executable), "tripleo-instanceha")


@pytest.fixture(scope="module")
def judges(tmp_path_factory):
    """key -> that stack with its shims written; a test reaches one through ``stacks.active``.

    Both stacks at once, not the ``cluster_stack`` parameter: these tests hand one
    stack's CIB to the other stack's tools.
    """
    result = {}
    for key in stacks.KEYS:
        judge = stacks.with_shims(stacks.judge(key),
                                  str(tmp_path_factory.mktemp(f"shims-{key}")))
        with stacks.active(judge):
            assert stacks.version_on_path(dict(os.environ)) == judge.pacemaker
        result[key] = judge
    return result


def run_on(judge, command, **kwargs):
    """``command`` with ``judge``'s tools first in PATH (the environment of this process)."""
    with stacks.active(judge):
        return subprocess.run(command, capture_output=True, text=True, **kwargs)


def verify(judge, path):
    run = run_on(judge, ["crm_verify", "-x", path, "-V"], timeout=120)
    return run.returncode, run.stdout + run.stderr


def test_each_stack_accepts_its_own_cib_and_205_refuses_21s(tmp_path, judges):
    plan = load_plan(tmp_path)
    paths = {}
    for key in stacks.KEYS:
        paths[key] = str(tmp_path / f"cib-{key}.xml")
        with open(paths[key], "w", encoding="utf-8") as handle:
            handle.write(ClusterModel.from_plan(plan, stack=product.STACKS[key]).to_xml())
        rc, out = verify(judges[key], paths[key])
        assert rc == 0, (key, out)
    # why the model must write per stack: 2.0.5 refuses the CIB written for 2.1.5
    rc, out = verify(judges["16.2"], paths["17.1"])
    assert rc != 0 and "schema" in out
    # and 2.1.5 reads the older one, as a cluster being upgraded does
    assert verify(judges["17.1"], paths["16.2"])[0] == 0


def test_a_stack_writes_what_its_own_cibadmin_writes(judges):
    """Schema and feature set come from each stack's own ``cibadmin --empty``."""
    import xml.etree.ElementTree as ET
    for key, judge in judges.items():
        run = run_on(judge, ["cibadmin", "--empty"], check=True, timeout=60)
        root = ET.fromstring(run.stdout)
        stack = product.STACKS[key]
        assert (root.get("validate-with"), root.get("crm_feature_set")) == \
            (stack.schema, stack.feature_set), key


@pytest.mark.parametrize("version, release, key", [
    ("8.4.1", "queens", "13"), ("11.6.0", "train", "16.2"),
    ("14.3.0", "wallaby", "17.1"), ("18.0.0", "wallaby", "17.1")])
def test_the_release_picks_the_stack(version, release, key):
    tree = tht.fetch(version)
    assert product.release_of_tree(tree) == release
    assert product.choose(templates_dir=tree).key == key
    assert product.for_release(version).key == key
    assert product.choose("16.2", templates_dir=tree).key == "16.2"


def test_without_a_release_the_local_pacemaker_decides():
    assert product.choose(local="2.0.5").key == "16.2"
    assert product.choose(local="2.1.7").key == "17.1"
    assert product.choose().key == product.DEFAULT.key


def rehearse(judge, *args):
    return run_on(judge, [CLI, "rehearse", "-r", ROLES, "-e", PARAMS, "--nodes", NODES,
                          "--scenario", "compute-crash", *args], timeout=600)


def test_rehearse_on_a_205_machine_targets_162_and_refuses_171(tmp_path, judges):
    from tests.rehearse.conftest import fencing_env
    fencing = fencing_env(tmp_path)
    run = rehearse(judges["16.2"], "-e", fencing)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Target cluster stack: RHOSP 16.2 (RHEL 8.4: pacemaker 2.0.5" in run.stdout
    assert "scheduler run here: pacemaker 2.0.5" in run.stdout
    refused = rehearse(judges["16.2"], "-e", fencing, "--cluster-stack", "17.1")
    assert refused.returncode == 2
    assert refused.stderr.count("\n") <= 3 and "Traceback" not in refused.stderr
    assert "pacemaker 2.0.5, older than RHOSP 17.1" in refused.stderr
    assert "pacemaker-3.9" in refused.stderr


def test_a_stack_test_runs_on_its_stack(on_cluster_stack):
    assert stacks.version_on_path(dict(os.environ)) == on_cluster_stack.pacemaker
    assert product.DEFAULT == on_cluster_stack.product


def test_tests_without_a_stack_run_on_the_host_after_stack_tests():
    """A stack is scoped to the tests that ask for it: the 2.0.5 shims once leaked
    into every later test of the session (prepare then refused the 17.1 target)."""
    assert stacks.version_on_path(dict(os.environ)) == "2.1.5"
    assert product.DEFAULT.key == "17.1"
