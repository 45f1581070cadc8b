"""The live cluster's power: emulated BMCs outside the nodes, real fence agents inside.

Why: pacemaker must fence with what operators run, so the e2e's inventory
gives every cluster node a BMC (the bundled example's protocol for that node:
IPMI for some, Redfish for others), the fencing environment comes from the
project's own generator unchanged, and pacemaker runs the real
``fence_ipmilan`` / ``fence_redfish``. The BMCs (pyghmi, sushy-tools' fake
driver over TLS: tests/fencing/bmc_emulators.py) run in the cluster's "api"
namespace, never in a namespace they power off; their power hook is
``assets/bin/node-power``, so "off" kills every process of the node and "on"
boots it again after BOOT_DELAY seconds.
"""
from __future__ import annotations

import copy
import json
import os
from typing import Dict, List

from tests.fencing import bmc_emulators as E
from tripleo_instanceha.example import NODES
from tripleo_instanceha.plan import Plan

from .cluster import ASSETS

NODE_POWER = os.path.join(ASSETS, "bin", "node-power")
#: Seconds a powered-on node takes to "boot" (real servers take minutes; the remote
#: reconnect interval is what gates a compute's return anyway).
BOOT_DELAY = 15
#: The BMCs' ports on the api namespace's address: one UDP port per IPMI BMC, one
#: HTTPS port for every Redfish system.
IPMI_FIRST_PORT = 6230
REDFISH_PORT = 8443


class Layout:
    """Which BMC powers which cluster node, and the inventory that says so."""

    def __init__(self, plan: Plan, address: str) -> None:
        self.address = address
        self.ipmi: List[E.IpmiBmc] = []
        self.redfish: List[E.RedfishSystem] = []
        #: inventory node name -> the BMC fields the e2e gives it
        self._fields: Dict[str, dict] = {}
        for place in plan.cluster_members + plan.iha_computes:
            node = place.node
            fields = {"pm_addr": address, "pm_user": E.USERNAME, "pm_password": E.PASSWORD}
            if node.driver == "redfish":
                system = E.RedfishSystem(place.name)
                self.redfish.append(system)
                fields.update(pm_port=REDFISH_PORT, pm_system_id=system.systems_uri,
                              redfish_verify_ca=False)
            else:
                bmc = E.IpmiBmc(place.name, IPMI_FIRST_PORT + len(self.ipmi))
                self.ipmi.append(bmc)
                fields["pm_port"] = bmc.port
            self._fields[node.name] = fields

    @property
    def protocols(self) -> Dict[str, str]:
        """pacemaker node name -> "ipmi" or "redfish"."""
        return {**{b.name: "ipmi" for b in self.ipmi},
                **{s.name: "redfish" for s in self.redfish}}

    def write_inventory(self, path: str) -> str:
        """The example's instackenv.json with the cluster nodes' BMCs pointed here (0600:
        it holds the BMC password, as an operator's does)."""
        with open(NODES) as handle:
            inventory = json.load(handle)
        for node in inventory["nodes"]:
            if node.get("name") in self._fields:
                node.update(copy.deepcopy(self._fields[node["name"]]))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(inventory, handle, indent=1)
        return path

    def emulators(self, workdir: str, netns: str, state_dir: str) -> E.Emulators:
        """The BMCs, in the *netns* namespace, powering the nodes of *state_dir*."""
        hook = [NODE_POWER, state_dir, "{name}", "{action}", str(BOOT_DELAY)]
        return E.Emulators(self.ipmi, self.redfish, workdir, address=self.address,
                           netns=netns, power_hook=hook, redfish_port=REDFISH_PORT)
