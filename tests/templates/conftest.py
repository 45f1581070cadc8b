"""Real THT trees with our templates laid on, rendered once per test session.

Why session-scoped: fetching, overlaying and rendering a release takes a few
seconds; every test of that release reads the same rendered tree.
"""
import os

import pytest

from tripleo_instanceha import heat_engine, tht
from tripleo_instanceha.paths import template_tree

#: Queens, Train, Wallaby, last master.
VERSIONS = ("8.4.1", "11.6.0", "14.3.0", "18.0.0")
#: Mixed Instance HA and plain computes.
ROLES = ("Controller", "ComputeInstanceHA", "Compute")

ROOT = template_tree()
SERVICE = os.path.join(ROOT, "deployment", "pacemaker", "compute-instanceha-baremetal-puppet.yaml")
LIFECYCLE = os.path.join(ROOT, "deployment", "pacemaker", "compute-instanceha-lifecycle.yaml")
ALIAS = os.path.join(ROOT, "puppet", "services", "pacemaker", "compute-instanceha.yaml")
ENV = os.path.join(ROOT, "environments", "instance-ha.yaml")
ROLE = os.path.join(ROOT, "roles", "ComputeInstanceHA.yaml")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """version -> a THT tree of that release with ours overlaid, rendered for ROLES."""
    trees = {}

    def get(version: str) -> str:
        if version not in trees:
            base = tmp_path_factory.mktemp(f"tht-{version}")
            tree = tht.overlay(tht.fetch(version), str(base / "tree"))
            roles = tht.roles_file(tree, ROLES, str(base / "roles_data.yaml"))
            tht.render(tree, roles)
            trees[version] = tree
        return trees[version]

    return get


def overcloud_envs(tree: str, *extra: str) -> list:
    """The environments of a pacemaker overcloud with Instance HA, as an operator passes them.

    Pre-provisioned control-plane ports (THT's own deployed-server
    environment) stand in for the undercloud's neutron.
    """
    pacemaker = os.path.join(tree, "environments", "docker-ha.yaml")
    if not os.path.isfile(pacemaker):
        pacemaker = os.path.join(tree, "environments", "puppet-pacemaker.yaml")
    return [pacemaker,
            os.path.join(tree, "environments", "deployed-server-deployed-neutron-ports.yaml"),
            *extra]


#: What tripleoclient adds at deploy time, and the pacemaker secrets it generates.
DEPLOY_PARAMETERS = {"parameter_defaults": {"StackAction": "CREATE",
                                            "PacemakerRemoteAuthkey": "placeholder",
                                            "PcsdPassword": "placeholder"}}


def resolve_role_data(path: str, parameter_defaults: dict) -> dict:
    """role_data of a service template as Heat resolves it, nested stacks included."""
    return heat_engine.resolve_outputs(path, parameter_defaults)["role_data"]


def node_hiera(role_data_by_role: dict, role: str, runs: dict = None) -> dict:
    """The hiera a node of `role` gets from these services, by THT's rule.

    global_config_settings of every service of every role reach every node;
    config_settings only the nodes of the service's own role;
    service_config_settings, keyed by service name and merged over every role,
    the nodes of each role running a service of that name (overcloud.j2.yaml
    <Role>ServiceConfigSettings). `runs` names, per role, the services it runs
    besides those given in `role_data_by_role` (e.g. the controllers'
    pacemaker).
    """
    hiera = {}
    by_service: dict = {}
    for services in role_data_by_role.values():
        for data in services:
            hiera.update(data.get("global_config_settings") or {})
            for name, settings in (data.get("service_config_settings") or {}).items():
                by_service.setdefault(name, {}).update(settings or {})
    for data in role_data_by_role.get(role, []):
        hiera.update(data.get("config_settings") or {})
    names = {d["service_name"] for d in role_data_by_role.get(role, [])}
    names |= set((runs or {}).get(role, ()))
    for name in sorted(names & set(by_service)):
        hiera.update(by_service[name])
    return hiera
