"""Build deployment plans on real THT releases for the plan-rule tests."""
import copy
import json
import os

import yaml

from tripleo_instanceha import tht
from tripleo_instanceha.paths import template_tree
from tripleo_instanceha.plan import Plan
from tripleo_instanceha.plan.roles import derive_instance_ha_role
from tripleo_instanceha.validate import linter
from tripleo_instanceha.validate.context import PlanContext

MACS = {"controller-0": "52:54:00:a0:00:10", "controller-1": "52:54:00:a0:00:11",
        "controller-2": "52:54:00:a0:00:12", "compute-iha-0": "52:54:00:b0:00:20",
        "compute-iha-1": "52:54:00:b0:00:21", "compute-0": "52:54:00:c0:00:30"}
PROFILES = {"controller": "control", "compute-iha": "computeinstanceha", "compute": "compute"}


def inventory():
    nodes = []
    for index, (name, mac) in enumerate(MACS.items()):
        profile = PROFILES[name.rsplit("-", 1)[0]]
        nodes.append({"name": name, "pm_type": "ipmi", "pm_addr": f"192.0.2.{10 + index}",
                      "pm_user": "admin", "pm_password": "not-a-real-password",
                      "ports": [{"address": mac}],
                      "capabilities": f"profile:{profile},boot_option:local"})
    return {"nodes": nodes}


def fencing(names=tuple(MACS)):
    devices = [{"agent": "fence_ipmilan", "host_mac": MACS[n],
                "params": {"ipaddr": "192.0.2.1", "login": "admin",
                           "passwd": "not-a-real-password", "lanplus": True}}
               for n in names]
    return {"EnableFencing": True, "FencingConfig": {"devices": devices}}


class PlanFiles:
    """The files of one plan, editable before loading: roles, params, fencing, inventory."""

    def __init__(self, tmp_path, tht_dir, derived_role=True):
        self.tmp = tmp_path
        self.tht_dir = tht_dir
        roles_path = str(tmp_path / "roles_data.yaml")
        tht.roles_file(tht_dir, ["Controller", "Compute"], roles_path)
        with open(roles_path) as handle:
            self.roles = yaml.safe_load(handle)
        if derived_role:
            compute = next(r for r in self.roles if r["name"] == "Compute")
            self.roles.append(derive_instance_ha_role(compute))
        else:
            with open(os.path.join(tht_dir, "roles", "ComputeInstanceHA.yaml")) as handle:
                self.roles += yaml.safe_load(handle)
        self.params = {"EnableInstanceHA": True, "ControllerCount": 3,
                       "ComputeInstanceHACount": 2, "ComputeCount": 1}
        self.fencing = fencing()
        self.nodes = inventory()
        pacemaker = os.path.join(tht_dir, "environments", "docker-ha.yaml")
        self.env_files = [pacemaker, os.path.join(template_tree(), "environments",
                                                  "instance-ha.yaml")]
        self.extra_envs = []

    def role(self, name):
        return next(r for r in self.roles if r["name"] == name)

    def write(self):
        def dump(name, data):
            path = str(self.tmp / name)
            with open(path, "w") as handle:
                if name.endswith(".json"):
                    json.dump(data, handle, indent=1)
                else:
                    yaml.safe_dump(data, handle, default_flow_style=False, sort_keys=False)
            return path
        roles = dump("roles_data.yaml", self.roles)
        params = dump("params.yaml", {"parameter_defaults": self.params})
        envs = list(self.env_files) + [params]
        if self.fencing is not None:
            envs.append(dump("fencing.yaml", {"parameter_defaults": self.fencing}))
        envs += self.extra_envs
        nodes = dump("instackenv.json", self.nodes) if self.nodes is not None else None
        return roles, envs, nodes

    def load(self):
        roles, envs, nodes = self.write()
        return Plan.load(self.tht_dir, roles, envs, nodes)

    def findings(self, engine=False, select=None):
        plan = self.load()
        ctx = PlanContext(plan, self.tht_dir, engine, list(plan.environment.files[1:]))
        return linter.lint_plan(ctx, engine=engine, select=select)


def copy_of(data):
    return copy.deepcopy(data)
