"""What every command shares: --format, exit codes, and errors turned into messages.

Exit codes, for every reporting command: 0 clean, 1 findings or a failing
verdict, 2 could not run (usage, unreadable input, missing tool).
The same classes serve the standalone `tripleo-instanceha` program and the
`openstack overcloud instance-ha ...` plugin.
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from cliff import command

from tripleo_instanceha import fileio, interrupts
from tripleo_instanceha.errors import InputError, InstanceHAError
# Defined below the command-line layer (reports use them too); re-exported for the commands.
from tripleo_instanceha.formatters.result import EXIT_CLEAN, EXIT_ERROR  # noqa: F401
from tripleo_instanceha.formatters.result import EXIT_FINDINGS, Result  # noqa: F401


def positive_seconds(text: str) -> float:
    """An option's number of seconds, more than 0 (argparse's type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def add_plan_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The plan arguments validate and rehearse share, spelled as `overcloud deploy` does."""
    group = parser.add_argument_group("plan")
    group.add_argument("--templates", metavar="THT_DIR",
                       help="tripleo-heat-templates tree the plan deploys (its roles_data.yaml "
                            "and resource registry)")
    group.add_argument("-r", "--roles-file", metavar="ROLES",
                       help="roles_data.yaml of the plan (default: THT_DIR/roles_data.yaml)")
    group.add_argument("-e", "--environment-file", dest="env_files", action="append",
                       default=[], metavar="ENV",
                       help="environment file, as for 'openstack overcloud deploy' (repeatable; "
                            "later files win)")
    group.add_argument("--nodes", metavar="INVENTORY",
                       help="node inventory (instackenv.json / nodes.yaml): node names and MACs")
    group.add_argument("--stack", "--stack-name", dest="stack", default="overcloud",
                       help="stack name used in host names (default: overcloud)")
    return group


class InstanceHACommand(command.Command):
    """Base for our commands; subclasses implement `run_command(args) -> Result | int`."""

    #: Whether the command reports (and so takes --format).
    reporting = True
    #: Every command works on local files: osc must not ask for cloud credentials.
    auth_required = False

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        if self.reporting:
            parser.add_argument("--format", "-f", dest="output_format", choices=("text", "json"),
                                default="text", help="report format (default: text)")
        return parser

    def run_command(self, args: argparse.Namespace) -> Any:
        raise NotImplementedError

    def take_action(self, parsed_args: argparse.Namespace) -> int:
        interrupts.install()  # already done by cli.app.main; the osc plugin path needs it
        try:
            return self._take_action(parsed_args)
        finally:
            interrupts.disarm()

    def _take_action(self, parsed_args: argparse.Namespace) -> int:
        try:
            result = self.run_command(parsed_args)
        except interrupts.Interrupted as exc:
            fileio.remove_all_private()
            self.app.stderr.write(f"error: {exc.line()}\n")
            return exc.exit_code
        except InputError as exc:
            return self._fail(parsed_args, exc, [p.to_dict() for p in exc.problems])
        except InstanceHAError as exc:
            return self._fail(parsed_args, exc, [{"message": str(exc)}])
        except Exception as exc:  # a defect of ours: still "could not run", never "findings"
            if getattr(self.app_args, "debug", False):
                raise
            self.app.stderr.write(f"error: unexpected failure ({type(exc).__name__}: {exc}); "
                                  "re-run with --debug for details\n")
            return EXIT_ERROR
        if isinstance(result, int):
            return result
        if result is None:
            return EXIT_CLEAN
        fmt = getattr(parsed_args, "output_format", "text")
        text = json.dumps(result.to_dict(), indent=2, sort_keys=False) if fmt == "json" \
            else result.to_text()
        if text:
            self.app.stdout.write(text if text.endswith("\n") else text + "\n")
        return result.exit_code

    def _fail(self, parsed_args: argparse.Namespace, exc: Exception, errors: list) -> int:
        if getattr(parsed_args, "output_format", "text") == "json":
            self.app.stdout.write(json.dumps({"error": errors}, indent=2) + "\n")
        for line in str(exc).splitlines():
            self.app.stderr.write(f"error: {line}\n")
        return EXIT_ERROR
