"""The configuration the live cluster runs: the project's CIB for the bundled example.

Why: the e2e test must prove the cluster model ``rehearse`` uses, not a
hand-written copy of it.  The plan is the bundled example (its roles,
Instance HA parameters, its inventory with the cluster nodes' BMCs pointed at
the harness's emulated BMCs (``power.py``), the fencing environment the
project's generator makes from that inventory, and the test's own parameters:
the remote timings under test and a keystone password for the fake cloud).
The model's output is loaded as it is: the power devices are the real
``fence_ipmilan`` and ``fence_redfish``.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import yaml

from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.example import NODES, PARAMS, ROLES
from tripleo_instanceha.fencing.generator import generate
from tripleo_instanceha.plan import Plan
from tripleo_instanceha.yamlio import atomic_write, dump_yaml

from . import power


def _write_env(path: str, parameters: dict) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump({"parameter_defaults": parameters}, f)
    return path


def load_plan(workdir: str, parameters: dict, bmc_address: str
              ) -> "tuple[Plan, power.Layout]":
    """The bundled example plan, its BMCs at *bmc_address*, plus the test's *parameters*
    (a last environment file); and the layout of those BMCs."""
    # which inventory node each cluster hostname lands on does not depend on its BMC
    layout = power.Layout(Plan.load(roles_file=ROLES, env_files=[PARAMS], nodes_file=NODES),
                          bmc_address)
    nodes = layout.write_inventory(os.path.join(workdir, "instackenv.json"))
    fencing = os.path.join(workdir, "fencing.yaml")
    atomic_write(fencing, dump_yaml(
        generate(nodes, roles_file=ROLES, env_files=[PARAMS]).environment()))
    extra = _write_env(os.path.join(workdir, "e2e-parameters.yaml"), parameters)
    plan = Plan.load(roles_file=ROLES, env_files=[PARAMS, fencing, extra], nodes_file=nodes)
    return plan, layout


def without_monitor_timeout(model: ClusterModel) -> ClusterModel:
    """The connections' monitors as puppet-tripleo alone creates them: no timeout.

    Why: the upstream profile judges upstream's defaults, and upstream sets no
    timeout on the connection's monitor (pacemaker's default, 20 s, applies);
    the project's lifecycle tasks set InstanceHARemoteMonitorTimeout instead.
    """
    for name in model.remotes:
        op = model.primitive(name).op("monitor")
        if op is not None:
            op.timeout = None
    return model


def cluster_model(plan: Plan, addresses: dict, keystone_url: str,
                  puppet_monitor: bool = False) -> ClusterModel:
    """The project's model of the plan, as ``rehearse`` builds it (``puppet_monitor``:
    with the connections' monitors without a timeout)."""
    model = ClusterModel.from_plan(plan, addresses=addresses, keystone_url=keystone_url)
    return without_monitor_timeout(model) if puppet_monitor else model


def configuration_xml(model: ClusterModel) -> str:
    """The ``<configuration>`` section to load with ``cibadmin --replace``."""
    conf = model.to_element().find("configuration")
    ET.indent(conf)
    return ET.tostring(conf, encoding="unicode") + "\n"
