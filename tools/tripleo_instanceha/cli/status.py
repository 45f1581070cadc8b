"""`tripleo-instanceha status` / `openstack overcloud instance-ha status`.

A thin edge over `tripleo_instanceha.cluster.health`: read the live cluster
(on a controller) or a saved CIB, judge whether Instance HA would work if a
compute failed now, and report. Read-only: it never changes the cluster.
Exit 0 protected, 1 degraded, 2 could not run.
"""
from __future__ import annotations

import argparse

from tripleo_instanceha.cli.base import InstanceHACommand
from tripleo_instanceha.cluster import health
from tripleo_instanceha.cluster.protection import Assessment
from tripleo_instanceha.errors import InputError


class Status(InstanceHACommand):
    """Say whether this cloud is protected by Instance HA right now (read-only)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--cib", metavar="FILE",
                            help="judge a CIB saved on a controller with 'cibadmin --query' "
                                 "instead of the live cluster (the evacuate attributes and "
                                 "the fencing history are not in it)")
        parser.add_argument("--prometheus", metavar="FILE",
                            help="also write the verdict as a node_exporter textfile "
                                 "(atomically, mode 0644; name it *.prom in the collector's "
                                 "directory)")
        nova = parser.add_argument_group("nova (reserved: not checked by this release)")
        nova.add_argument("--os-cloud", metavar="CLOUD",
                          help="reserved for the Nova checks; refused until they exist")
        return parser

    def run_command(self, args: argparse.Namespace) -> Assessment:
        if args.os_cloud:
            raise InputError.single("--os-cloud", "the Nova checks are not part of this "
                                    "release; nothing would use the cloud",
                                    fix="run without --os-cloud")
        return health.check(cib=args.cib, prometheus=args.prometheus)
