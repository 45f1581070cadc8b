"""Cut the compute's power through its own BMC, with the real fence agent, action=off.

Why through the fence agent and not pacemaker: ``stonith_admin --fence`` would tell the
cluster the node is gone, so nothing would be detected. Running the agent alone is a
power loss as the cluster sees one: the remote connection's monitor fails, then
pacemaker fences (by default a reboot, which also powers the node back on). The device
comes from the same inventory or fencing environment as ``fencing probe``; its
password goes to the agent on stdin, never on a command line.
"""
from __future__ import annotations

from typing import List, Optional

from tripleo_instanceha.drill.methods.base import CrashMethod, DrillRefused
from tripleo_instanceha.fencing import probe as PR

#: agents that are no power device (they cannot cut a node)
NOT_POWER = ("fence_compute", "fence_evacuate", "fence_kdump")
#: the fencing library's EC_WAITING_OFF message (fence-agents lib/fencing.py, fail() and
#: fence_action()): the agent logged in, read the status and sent the power-off, then
#: did not read "off" back within power_timeout. The cut may well have happened: the
#: cluster notices a dead compute within seconds and its reboot fence powers it on again.
SENT_UNCONFIRMED = "Timed out waiting to power OFF"


def _short(name: str) -> str:
    return name.split(".", 1)[0].lower()


class BmcPowerOff(CrashMethod):
    NAME = "bmc-power-off"
    HELP = "power the compute off through its BMC (the real fence agent, action=off)"

    @classmethod
    def add_arguments(cls, group) -> None:
        group.add_argument("--bmc-from", metavar="FILE",
                           help="the node inventory (instackenv.json, nodes.yaml, CSV) or the "
                                "fencing environment 'fencing generate' wrote")
        group.add_argument("--bmc-node", metavar="NAME",
                           help="the compute's name in that file (default: the Nova host's "
                                "short name); with a fencing environment pass --nodes too")
        group.add_argument("--nodes", metavar="INVENTORY",
                           help="with a fencing environment: the inventory, to name each "
                                "device's node by its MAC")

    def _targets(self) -> List[PR.Target]:
        if not self.args.bmc_from:
            raise DrillRefused("--method bmc-power-off needs --bmc-from FILE (fix: pass the "
                               "node inventory or the fencing environment)")
        node = _short(self.args.bmc_node or self.host)
        _kind, targets, _warnings = PR.load_targets(self.args.bmc_from,
                                                    nodes_file=self.args.nodes)
        mine = [t for t in targets if _short(t.node) == node and t.agent not in NOT_POWER]
        if not mine:
            known = sorted({t.node for t in targets})[:10]
            raise DrillRefused(
                f"{self.args.bmc_from}: no power device for node '{node}' (known: "
                f"{', '.join(known) or 'none'}; fix: --bmc-node NAME as the file names the "
                "compute, and --nodes INVENTORY with a fencing environment)")
        return sorted(mine, key=lambda t: t.level)[:1]

    def describe(self) -> str:
        target = self._targets()[0]
        return (f"power {self.host} off through its BMC: {target.agent} action=off at "
                f"{target.address or '?'} (options on stdin)")

    def check(self) -> None:
        target = self._targets()[0]
        if PR.find_agent(target.agent) is None:
            raise DrillRefused(f"{target.agent} is not installed here (fix: install "
                               "fence-agents-all, or run the drill where fencing probe runs)")

    def crash(self) -> Optional[str]:
        target = self._targets()[0]
        outcome = PR.run_agent(target, PR.default_timeout(target.agent), action="off")
        if outcome.returncode != 0 and SENT_UNCONFIRMED in (outcome.detail or ""):
            return (f"{target.agent} sent the power-off and did not read 'off' back: the "
                    "cluster may have powered the node on again already; following Nova")
        if outcome.returncode != 0:
            raise DrillRefused(f"{target.agent} could not power {self.host} off ("
                               f"{outcome.kind}: {outcome.detail or 'exit code '}"
                               f"{'' if outcome.detail else outcome.returncode}); nothing "
                               "was crashed (fix: 'tripleo-instanceha fencing probe' the device)")
