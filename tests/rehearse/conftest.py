"""Plans for the rehearsal tests: the bundled example with its generated fencing environment."""
import os

import pytest

import tripleo_instanceha.plan  # noqa: F401 - the fencing package expects the plan loaded first
from tripleo_instanceha.fencing.generator import Selection, generate
from tripleo_instanceha.paths import EXAMPLE_DIR
from tripleo_instanceha.plan import Plan
from tripleo_instanceha.yamlio import atomic_write, dump_yaml

ROLES = os.path.join(EXAMPLE_DIR, "roles_data.yaml")
PARAMS = os.path.join(EXAMPLE_DIR, "instance-ha-params.yaml")
NODES = os.path.join(EXAMPLE_DIR, "instackenv.json")
CONTROLLERS = ["overcloud-controller-0", "overcloud-controller-1", "overcloud-controller-2"]
COMPUTES = ["overcloud-novacomputeiha-0", "overcloud-novacomputeiha-1"]


def fencing_env(directory, roles=ROLES, envs=(PARAMS,), nodes=NODES, exclude=()):
    """Run the project's fencing generator, as an operator would, into fencing.yaml."""
    generated = generate(nodes, selection=Selection(exclude=tuple(exclude)), roles_file=roles,
                         env_files=list(envs))
    path = os.path.join(str(directory), "fencing.yaml")
    atomic_write(path, dump_yaml(generated.environment()))
    return path


def load_plan(directory, extra=(), exclude=(), roles=ROLES, nodes=NODES):
    envs = [PARAMS] + list(extra)
    fencing = fencing_env(directory, roles, envs, nodes, exclude)
    return Plan.load(roles_file=roles, env_files=envs + [fencing], nodes_file=nodes)


@pytest.fixture(autouse=True)
def _judged_by(on_cluster_stack):
    """Every test here runs once per cluster stack (tests/stacks.py)."""
    return on_cluster_stack


@pytest.fixture
def example_plan(tmp_path):
    return load_plan(tmp_path)
