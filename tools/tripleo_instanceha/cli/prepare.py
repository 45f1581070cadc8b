"""`tripleo-instanceha prepare` / `openstack overcloud instance-ha prepare`."""
from __future__ import annotations

import argparse

from tripleo_instanceha.cli.base import InstanceHACommand
from tripleo_instanceha.cluster.scenarios import SCENARIOS
from tripleo_instanceha.errors import InputError
from tripleo_instanceha.prepare import envs, pipeline
from tripleo_instanceha.prepare.report import PrepareResult
from tripleo_instanceha import tht
from tripleo_instanceha.tht import roles as tht_roles


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options prepare and demo share."""
    parser.add_argument("--set", dest="settings", action="append", default=[],
                        metavar="NAME=VALUE",
                        help="choose an Instance HA tunable, e.g. InstanceHAEvacuateDelay=30 "
                             "(repeatable)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite files in the output directory that were edited or not "
                             "written by prepare")
    parser.add_argument("--scenario", dest="scenarios", action="append", default=[],
                        choices=sorted(SCENARIOS), metavar="NAME",
                        help="rehearse only this failure scenario (repeatable; default: all): "
                             + ", ".join(SCENARIOS))
    parser.add_argument("--skip-rehearsal", dest="rehearse", action="store_false",
                        help="do not replay failures with crm_simulate (for plans of hundreds "
                             "of nodes, where one replay takes minutes)")
    parser.add_argument("--skip-heat-check", dest="heat_check", action="store_false",
                        help="do not render the release and validate the composed overcloud "
                             "with the Heat engine")


def resolve_templates(templates: str | None, release: str | None) -> tuple:
    """(tree, release) from --templates DIR or --tht-release VERSION (fetched once, cached)."""
    if release:
        tree = tht.fetch(release)
        return tree, tht.RELEASES.get(release, release)
    if not templates:
        raise InputError.single("--templates", "no templates given",
                                fix="pass --templates THT_DIR or --tht-release 18.0.0")
    version = tht_roles.tree_version(templates)
    return templates, "" if version.startswith("(") else version


class Prepare(InstanceHACommand):
    """Turn a node inventory into checked, rehearsed deploy inputs and print the deploy command."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--templates", metavar="THT_DIR",
                            help="the tripleo-heat-templates tree you deploy with")
        source.add_argument("--tht-release", metavar="VERSION",
                            help="fetch this tripleo-heat-templates release (e.g. 18.0.0, or "
                                 "queens/train/wallaby/master) into the cache and use it")
        parser.add_argument("--nodes", required=True, metavar="INVENTORY",
                            help="instackenv.json (or nodes.yaml) of the overcloud nodes")
        parser.add_argument("-r", "--roles-file", metavar="ROLES",
                            help="your roles file; the Instance HA services are added where "
                                 "missing (default: derive the roles from the templates)")
        parser.add_argument("-e", "--environment-file", dest="env_files", action="append",
                            default=[], metavar="ENV",
                            help="an environment you deploy with (repeatable, in order)")
        parser.add_argument("--output-dir", required=True, metavar="DIR",
                            help="where the deploy inputs are written")
        parser.add_argument("--stack", default="overcloud", help="stack name (default overcloud)")
        add_common_options(parser)
        return parser

    def run_command(self, args: argparse.Namespace) -> PrepareResult:
        settings = envs.parse_settings(args.settings)
        templates, release = resolve_templates(args.templates, args.tht_release)
        request = pipeline.Request(templates=templates, nodes_file=args.nodes,
                                   output_dir=args.output_dir, roles_file=args.roles_file,
                                   env_files=list(args.env_files), settings=settings,
                                   force=args.force, stack_name=args.stack,
                                   heat_check=args.heat_check, scenarios=args.scenarios,
                                   rehearse=args.rehearse)
        return PrepareResult(pipeline.run(request), release)
