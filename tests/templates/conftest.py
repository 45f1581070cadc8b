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


@pytest.fixture(scope="session")
def heat_offline():
    """Heat's engine, answering "is service X deployed?" with yes.

    Heat asks keystone's catalogue whether the service behind a resource type
    (heat for OS::Heat::SoftwareConfig, neutron for ports) exists before
    validating it. Train and Wallaby templates use such types everywhere;
    offline there is no catalogue, so the request context gets a token
    endpoint that names one. Every resource is still validated; only the
    catalogue lookup is answered. The previous context is restored afterwards.
    """
    from heat.common import context
    from keystoneauth1 import token_endpoint

    engine = heat_engine._get_engine()
    saved = engine.context
    engine.context = context.RequestContext(
        user_id="validate", project_id="validate", is_admin=True,
        auth_plugin=token_endpoint.Token("http://catalogue.invalid/", "offline"))
    yield engine
    engine.context = saved


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


def _resolved_stack(engine, template, files, env, name):
    """A validated stack whose nested template resources answer get_attr.

    Heat resolves outputs from the state data of created resources. Offline
    nothing is created, so each nested template resource is resolved the
    same way, as a stack of its own with the properties its parent passes
    and the parent's environment (parameter_defaults reach nested stacks, as
    in a deployment), and its resolved outputs become its attribute data.
    """
    from heat.engine import node_data, stk_defn
    from heat.engine.resources.template_resource import TemplateResource

    stack = engine.stack.Stack(engine.context, name, engine.template.Template(
        template, files=files, env=engine.environment.Environment(env)))
    stack.validate()
    for res in list(stack.values()):
        if not isinstance(res, TemplateResource):
            continue
        child_env = stack.env.user_env_as_dict()
        child_env["parameters"] = res.child_params()
        child = _resolved_stack(engine, res.child_template(), files, child_env,
                                f"{name}-{res.name}")
        outputs = {key: out.get_value() for key, out in child.outputs.items()}
        attributes = dict(outputs)
        for key, value in outputs.items():
            if isinstance(value, dict):
                attributes.update({(key, sub): item for sub, item in value.items()})
        stk_defn.update_resource_data(stack.defn, res.name, node_data.NodeData(
            None, res.name, None, res.name, attributes, res.CREATE, res.COMPLETE))
    return stack


def resolve_role_data(path: str, parameter_defaults: dict) -> dict:
    """role_data of a service template as Heat resolves it, nested stacks included."""
    engine = heat_engine._get_engine()
    with heat_engine._quiet():
        files, template = engine.template_utils.get_template_contents(template_file=path)
        stack = _resolved_stack(engine, template, files,
                                {"parameter_defaults": dict(parameter_defaults)}, "resolve")
        return stack.outputs["role_data"].get_value()


def node_hiera(role_data_by_role: dict, role: str) -> dict:
    """The hiera a node of `role` gets from these services, by THT's rule.

    global_config_settings of every service of every role reach every node;
    config_settings only the nodes of the service's own role.
    """
    hiera = {}
    for services in role_data_by_role.values():
        for data in services:
            hiera.update(data.get("global_config_settings") or {})
    for data in role_data_by_role.get(role, []):
        hiera.update(data.get("config_settings") or {})
    return hiera
