"""`tripleo-instanceha roles generate`: derive ComputeInstanceHA from a THT tree."""
from __future__ import annotations

import argparse

from tripleo_instanceha.cli.base import EXIT_CLEAN, InstanceHACommand
from tripleo_instanceha.tht.roles import derive_role_file
from tripleo_instanceha.yamlio import atomic_write


class GenerateRoles(InstanceHACommand):
    """Write the ComputeInstanceHA role derived from a tree's own Compute role.

    The result is that release's Compute role plus the ComputeInstanceHA and
    PacemakerRemote services, with nothing of Compute lost.
    """

    reporting = False

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--templates", required=True, metavar="THT_DIR",
                            help="tripleo-heat-templates directory whose roles/Compute.yaml "
                                 "is the base (e.g. /usr/share/openstack-tripleo-heat-templates)")
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="write the role here (default: standard output)")
        return parser

    def run_command(self, args: argparse.Namespace) -> int:
        text = derive_role_file(args.templates)
        if args.output:
            atomic_write(args.output, text, mode=0o644)
        else:
            self.app.stdout.write(text)
        return EXIT_CLEAN
