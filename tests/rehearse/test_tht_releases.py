"""Every scenario passes on plans built from the real THT releases' own roles and environment.

Controller, Compute and ComputeInstanceHA come from each release's roles/,
the Instance HA environment is the release's environments/compute-instanceha.yaml,
node names and devices come from the bundled inventory and the fencing generator.
"""
import os

import pytest

from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.cluster.scenarios import SCENARIOS, Rehearsal
from tripleo_instanceha.plan import Plan
from tripleo_instanceha.plan import parameters as P
from tripleo_instanceha.tht.fetch import RELEASES, fetch
from tripleo_instanceha.tht.tools import roles_file

from .conftest import COMPUTES, CONTROLLERS, NODES, PARAMS, fencing_env


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_scenarios_pass_on_release(release, tmp_path):
    tree = fetch(RELEASES[release])
    roles = roles_file(tree, ["Controller", "Compute", "ComputeInstanceHA"],
                       str(tmp_path / "roles_data.yaml"))
    iha_env = os.path.join(tree, "environments", "compute-instanceha.yaml")
    fencing = fencing_env(tmp_path, roles, [iha_env, PARAMS])
    plan = Plan.load(tree, roles, [iha_env, PARAMS, fencing], NODES)
    assert plan.environment.is_mapped(P.SERVICE_COMPUTE_IHA)
    model = ClusterModel.from_plan(plan)
    assert (model.controllers, model.computes) == (CONTROLLERS, COMPUTES)
    rehearsal = Rehearsal(model, str(tmp_path / "work"))
    results = rehearsal.run(list(SCENARIOS))
    assert [(r.name, [s.name for s in r.steps if not s.ok]) for r in results if not r.ok] == []
    assert not [str(f) for f in rehearsal.findings]
