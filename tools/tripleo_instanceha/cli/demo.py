"""`tripleo-instanceha demo`: prepare on the bundled example, the README's first command."""
from __future__ import annotations

import argparse
import os

from tripleo_instanceha.cli.base import InstanceHACommand
from tripleo_instanceha.cli.prepare import add_common_options, resolve_templates
from tripleo_instanceha.paths import EXAMPLE_DIR
from tripleo_instanceha.prepare import envs, pipeline
from tripleo_instanceha.prepare.report import PrepareResult

DEMO_RELEASE = "18.0.0"
TITLE = ("Instance HA demo: the bundled example (3 controllers, 2 Instance HA computes, "
         "1 plain compute)\nInventory: {nodes}")
FOOTER = ("For your own cloud: tripleo-instanceha prepare --templates "
          "/usr/share/openstack-tripleo-heat-templates --nodes instackenv.json --output-dir DIR")


class Demo(InstanceHACommand):
    """Generate fencing, validate and rehearse the bundled example, and print the deploy command."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--output-dir", default=os.path.join("out", "demo"), metavar="DIR",
                            help="where the example's deploy inputs are written (default out/demo)")
        parser.add_argument("--tht-release", default=DEMO_RELEASE, metavar="VERSION",
                            help="tripleo-heat-templates release to fetch "
                                 f"(default {DEMO_RELEASE})")
        add_common_options(parser)
        return parser

    def run_command(self, args: argparse.Namespace) -> PrepareResult:
        settings = envs.parse_settings(args.settings)
        templates, release = resolve_templates(None, args.tht_release)
        nodes = os.path.join(EXAMPLE_DIR, "instackenv.json")
        request = pipeline.Request(
            templates=templates, nodes_file=nodes, output_dir=args.output_dir,
            env_files=[os.path.join(EXAMPLE_DIR, "instance-ha-params.yaml")], settings=settings,
            force=args.force, heat_check=args.heat_check, scenarios=args.scenarios,
            rehearse=args.rehearse, heat_optional=True)
        return PrepareResult(pipeline.run(request), release, TITLE.format(nodes=nodes), FOOTER)
