"""Fixtures: the lifecycle template of each real THT release, the example plan, a live CIB.

The template is taken from our tree laid onto each release's sdist and
rendered by that release's process-templates.py (so it is the file a
deployment of that release would read), then its outputs are resolved by
Heat's engine for the parameter values under test.
"""
import os
import shutil

import pytest

import tripleo_instanceha.plan  # noqa: F401 - the fencing package expects the plan loaded first
from tripleo_instanceha import tht
from tripleo_instanceha.fencing.generator import Selection, generate
from tripleo_instanceha.paths import EXAMPLE_DIR
from tripleo_instanceha.plan import Plan
from tripleo_instanceha.yamlio import atomic_write, dump_yaml

from tests import stacks
from tests.lifecycle import harness

VERSIONS = ("8.4.1", "11.6.0", "14.3.0", "18.0.0")
ROLES = os.path.join(EXAMPLE_DIR, "roles_data.yaml")
PARAMS = os.path.join(EXAMPLE_DIR, "instance-ha-params.yaml")
NODES = os.path.join(EXAMPLE_DIR, "instackenv.json")


@pytest.fixture(autouse=True)
def _judged_by(on_cluster_stack):
    """Every test here runs once per cluster stack (tests/stacks.py)."""
    return on_cluster_stack


@pytest.fixture(scope="session")
def rendered_tree(tmp_path_factory):
    """version -> our tree on that THT release, rendered; built once per release."""
    built = {}

    def build(version):
        if version not in built:
            base = tmp_path_factory.mktemp(f"tht-{version}")
            tree = tht.overlay(tht.fetch(version), str(base / "tree"))
            roles = tht.roles_file(tree, ["Controller", "ComputeInstanceHA", "Compute"],
                                   str(base / "roles_data.yaml"))
            tht.render(tree, roles)
            built[version] = tree
        return built[version]
    return build


@pytest.fixture(scope="session")
def lifecycle_outputs(rendered_tree):
    """(version, parameters) -> the resolved task lists of the rendered lifecycle template."""
    def resolve(version, **parameters):
        path = os.path.join(rendered_tree(version), harness.LIFECYCLE)
        return harness.resolve_outputs(path, parameters)
    return resolve


def fencing_environment(directory):
    generated = generate(NODES, selection=Selection(), roles_file=ROLES, env_files=[PARAMS])
    path = os.path.join(str(directory), "fencing.yaml")
    atomic_write(path, dump_yaml(generated.environment()))
    return path, generated.environment()["parameter_defaults"]


@pytest.fixture(scope="session")
def example(tmp_path_factory):
    """The bundled example plan and its generated fencing parameters."""
    directory = tmp_path_factory.mktemp("example")
    fencing_path, fencing = fencing_environment(directory)
    plan = Plan.load(roles_file=ROLES, env_files=[PARAMS, fencing_path], nodes_file=NODES)
    return plan, fencing


@pytest.fixture(scope="session")
def example_disabled(tmp_path_factory):
    """The same plan with EnableInstanceHA false (the env file still included)."""
    directory = tmp_path_factory.mktemp("example-disabled")
    fencing_path, _fencing = fencing_environment(directory)
    off = directory / "instance-ha-off.yaml"
    off.write_text("parameter_defaults:\n  EnableInstanceHA: false\n")
    return Plan.load(roles_file=ROLES, env_files=[PARAMS, fencing_path, str(off)],
                     nodes_file=NODES)


@pytest.fixture(scope="session")
def live_template(tmp_path_factory, example, cluster_stack):
    """A running cluster's CIB built from the example plan by that stack (copied per test)."""
    plan, _fencing = example
    with stacks.active(cluster_stack):
        return harness.live_cib(plan, str(tmp_path_factory.mktemp("live")))


@pytest.fixture(scope="session")
def puppet_template(tmp_path_factory, example, cluster_stack):
    """The same cluster as puppet alone leaves it, before the lifecycle tasks' step 5."""
    plan, _fencing = example
    with stacks.active(cluster_stack):
        return harness.live_cib(plan, str(tmp_path_factory.mktemp("puppet")), lifecycle=False)


@pytest.fixture
def puppet_cib(tmp_path, puppet_template):
    path = str(tmp_path / "cib.xml")
    shutil.copyfile(puppet_template, path)
    return path


@pytest.fixture
def cib(tmp_path, live_template):
    path = str(tmp_path / "cib.xml")
    shutil.copyfile(live_template, path)
    return path
