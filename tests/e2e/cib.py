"""The configuration the live cluster runs: the project's CIB for the bundled example.

Why: the e2e test must prove the cluster model ``rehearse`` uses, not a
hand-written copy of it.  The plan is the bundled example (its roles,
inventory and Instance HA parameters, a fencing environment made from its
inventory, and the test's own parameters: the remote timings under test and a
keystone password for the fake cloud).  The only change made to the model's
output is the power fence devices, which cannot reach a BMC here: each keeps
its id, host list and fencing level, but its agent becomes the harness's
``fence_ns`` namespace power switch.
"""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import yaml

from tripleo_instanceha.cluster.model import CREATED_AGENTS, ClusterModel
from tripleo_instanceha.example import example_files
from tripleo_instanceha.plan import Plan

POWER_AGENT = "fence_ns"
#: Seconds a fenced node takes to "boot" again (real servers take minutes; the
#: remote reconnect interval is what gates a compute's return anyway).
BOOT_DELAY = 15


def _write_env(path: str, parameters: dict) -> str:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump({"parameter_defaults": parameters}, f)
    return path


def load_plan(workdir: str, parameters: dict) -> Plan:
    """The bundled example plan plus the test's *parameters* (a last environment file)."""
    roles, envs, nodes = example_files(workdir)
    extra = _write_env(os.path.join(workdir, "e2e-parameters.yaml"), parameters)
    return Plan.load(roles_file=roles, env_files=envs + [extra], nodes_file=nodes)


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
    """The project's model of the plan, with power devices swapped for fence_ns
    (``puppet_monitor``: and the connections' monitors without a timeout)."""
    model = ClusterModel.from_plan(plan, addresses=addresses, keystone_url=keystone_url)
    if puppet_monitor:
        without_monitor_timeout(model)
    for device in model.stonith:
        if device.type in CREATED_AGENTS:
            device.type = POWER_AGENT
            device.params = {"pcmk_host_list": device.params["pcmk_host_list"],
                             "boot_delay": str(BOOT_DELAY)}
    return model


def configuration_xml(model: ClusterModel) -> str:
    """The ``<configuration>`` section to load with ``cibadmin --replace``."""
    conf = model.to_element().find("configuration")
    ET.indent(conf)
    return ET.tostring(conf, encoding="unicode") + "\n"
