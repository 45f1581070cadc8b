"""`tripleo-instanceha rehearse` / `openstack overcloud instance-ha rehearse`.

A thin edge over `tripleo_instanceha.cluster`: load the plan, build the
cluster model, replay the scenarios with crm_simulate, and report what
pacemaker schedules, whether the Instance HA chain completes, and the
recovery budget. Exit 0 when every chain completes, 1 when one does not,
2 when the rehearsal could not run.
"""
from __future__ import annotations

import argparse
import contextlib
import os
from typing import Optional

from tripleo_instanceha.cli.base import InstanceHACommand, add_plan_arguments
from tripleo_instanceha.cluster import stacks
from tripleo_instanceha.cluster.budget import budget
from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.cluster.report import RehearsalReport
from tripleo_instanceha.cluster.scenarios import DEFAULT_MAX_SIM_REMOTES, SCENARIOS, Rehearsal
from tripleo_instanceha.cluster.simulate import pacemaker_version
from tripleo_instanceha import fileio
from tripleo_instanceha.errors import InputError
from tripleo_instanceha.plan import Plan, tunables
from tripleo_instanceha.example import example_files


def _cluster_name(plan: Plan, name: Optional[str]) -> Optional[str]:
    """Accept the pacemaker name or the inventory name of the node that fails."""
    if name is None:
        return None
    for place in plan.placements:
        if place.node is not None and place.node.name == name:
            return place.name
    return name.split(".")[0].lower()


class Rehearse(InstanceHACommand):
    """Build the pacemaker configuration of a plan and replay failures with crm_simulate."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        add_plan_arguments(parser).add_argument(
            "--example", action="store_true",
            help="rehearse the bundled example (3 controllers, 2 Instance HA computes, "
                 "1 plain compute), generating its fencing environment")
        group = parser.add_argument_group("rehearsal")
        group.add_argument("--scenario", dest="scenarios", action="append", default=[],
                           choices=sorted(SCENARIOS), metavar="NAME",
                           help="scenario to run (repeat; default: all): "
                                + ", ".join(SCENARIOS))
        group.add_argument("--fail", metavar="NODE",
                           help="the node that fails (a compute or a controller name)")
        group.add_argument("--storm-failures", type=int, metavar="K",
                           help="how many Instance HA computes fail together in "
                                "many-computes-fail (default: the smallest number that shows "
                                "the storm guard holding one and the per-pass cap delaying "
                                "one, at least 2)")
        group.add_argument("--output-dir", metavar="DIR",
                           help="keep the CIB (mode 0600) and the transition graphs here")
        group.add_argument("--max-sim-computes", type=int, default=DEFAULT_MAX_SIM_REMOTES,
                           metavar="N",
                           help="above N remote nodes, run the scheduler on the failing ones "
                                "plus bystanders up to N (pacemaker's scheduler grows with "
                                f"the square of the cluster; default {DEFAULT_MAX_SIM_REMOTES}, "
                                "0 = simulate every node)")
        group.add_argument("--cluster-stack", choices=sorted(stacks.STACKS), metavar="RHOSP",
                           help="the RHOSP release whose pacemaker/pcs the cluster runs ("
                                + ", ".join(sorted(stacks.STACKS)) + "); default: the one the "
                                "templates' release deploys onto (Train 16.2, Wallaby and "
                                "later 17.1), else the one matching this machine's pacemaker")
        group.add_argument("--keystone-url", metavar="URL",
                           help="auth_url for fence-nova and nova-evacuate in the CIB")
        return parser

    def run_command(self, args: argparse.Namespace) -> RehearsalReport:
        output_dir = os.path.abspath(args.output_dir) if args.output_dir else None
        # The CIB holds BMC passwords: scratch and staging are private and always removed;
        # --output-dir is written as a set (staged next to it, put in place at the end).
        with contextlib.ExitStack() as stack:
            if output_dir:
                outputs = stack.enter_context(fileio.OutputSet(output_dir, dir_mode=0o700))
                workdir = outputs.staging
            else:
                outputs = None
                workdir = stack.enter_context(fileio.private_tempdir("rehearse"))
            if args.example:
                roles, envs, nodes = example_files(workdir)
                envs += args.env_files
                plan = Plan.load(args.templates, roles, envs, args.nodes or nodes, args.stack)
            else:
                if not (args.roles_file or args.templates):
                    raise InputError.single("rehearse", "no plan given",
                                            fix="pass -r roles_data.yaml -e ... --nodes "
                                                "instackenv.json, or --example")
                plan = Plan.load(args.templates, args.roles_file, args.env_files, args.nodes,
                                 args.stack)
            tunables.require_valid(plan)
            if not plan.nodes:
                raise InputError.single("--nodes", "no node inventory: cluster node names and "
                                        "fence devices come from it",
                                        fix="pass --nodes instackenv.json")
            here = pacemaker_version()
            stack = stacks.choose(args.cluster_stack, templates_dir=args.templates, local=here)
            stacks.require_judge(stack, here)
            cluster = ClusterModel.from_plan(plan, keystone_url=args.keystone_url, stack=stack)
            if not cluster.controllers:
                raise InputError.single(plan.roles_file or "roles", "no role runs Pacemaker, "
                                        "so there is no cluster to rehearse",
                                        fix="deploy a Controller role with "
                                            "OS::TripleO::Services::Pacemaker")
            reconnect = int(float(str(plan.param("InstanceHARemoteReconnectInterval"))
                                  .rstrip("s") or 60))
            if args.max_sim_computes < 0:
                raise InputError.single("--max-sim-computes", "must be 0 or more",
                                        fix="pass 0 to simulate every node")
            rehearsal = Rehearsal(cluster, workdir, reconnect, args.max_sim_computes)
            rehearsal.storm_failures = args.storm_failures
            names = args.scenarios or ([] if args.fail else list(SCENARIOS))
            results = rehearsal.run(names, _cluster_name(plan, args.fail))
            if outputs is not None:
                outputs.commit()
            return RehearsalReport(cluster, rehearsal.findings, results, budget(plan, cluster),
                                   output_dir)
