"""Plans for the rehearsal tests: the bundled example with its fencing environment.

The fencing environment comes from the project's generator when it is
installed (``tripleo_instanceha.fencing``); the fallback writes the same shape
tripleo-common's generator produces (one device per node, keyed by MAC).
"""
import json
import os

import pytest
import yaml

from tripleo_instanceha.paths import EXAMPLE_DIR
from tripleo_instanceha.plan import Plan

ROLES = os.path.join(EXAMPLE_DIR, "roles_data.yaml")
PARAMS = os.path.join(EXAMPLE_DIR, "instance-ha-params.yaml")
NODES = os.path.join(EXAMPLE_DIR, "instackenv.json")


def fencing_devices(nodes_file):
    nodes = json.load(open(nodes_file))["nodes"]
    devices = []
    for node in nodes:
        mac = node["ports"][0]["address"]
        if node["pm_type"] == "redfish":
            params = {"ipaddr": node["pm_addr"], "login": node["pm_user"],
                      "passwd": node["pm_password"], "systems_uri": node["pm_system_id"],
                      "ssl_insecure": "true"}
            devices.append({"agent": "fence_redfish", "host_mac": mac, "params": params})
        else:
            params = {"ipaddr": node["pm_addr"], "login": node["pm_user"],
                      "passwd": node["pm_password"], "lanplus": "true"}
            devices.append({"agent": "fence_ipmilan", "host_mac": mac, "params": params})
    return devices


def write_fencing(path, devices):
    path.write_text(yaml.safe_dump({"parameter_defaults": {
        "EnableFencing": True, "FencingConfig": {"devices": devices}}}))
    return str(path)


@pytest.fixture
def example_fencing(tmp_path):
    return write_fencing(tmp_path / "fencing.yaml", fencing_devices(NODES))


@pytest.fixture
def example_plan(example_fencing):
    return Plan.load(roles_file=ROLES, env_files=[PARAMS, example_fencing], nodes_file=NODES)
