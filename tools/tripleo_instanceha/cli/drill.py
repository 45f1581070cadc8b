"""`tripleo-instanceha drill` / `openstack overcloud instance-ha drill`.

A thin edge over `tripleo_instanceha.drill`: boot a canary on one Instance HA compute,
crash that compute, follow the canary to another and the compute back, and report the
timeline. It crashes nothing without ``--confirm-crash HOST`` naming the same compute;
``--dry-run`` checks and prints the plan only. Exit 0 passed (or a clean dry run), 1
failed, 2 could not run.
"""
from __future__ import annotations

import argparse
import json

from tripleo_instanceha.cli.base import InstanceHACommand, positive_seconds
from tripleo_instanceha.drill import methods, run
from tripleo_instanceha.drill.report import DrillReport
from tripleo_instanceha.errors import InputError, InstanceHAError
from tripleo_instanceha.nova import read


def _budget(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            budget = json.load(handle)["budget"]
        budget["to_rebuild_s"]["worst"], budget["to_first_evacuate_s"]["worst"]
    except OSError as exc:
        raise InputError.single(path, f"cannot be read ({exc.strerror})", field="--budget",
                                fix="pass the file 'rehearse --format json' wrote") from None
    except (ValueError, KeyError, TypeError):
        raise InputError.single(path, "is not the JSON output of rehearse (no budget)",
                                field="--budget",
                                fix="'tripleo-instanceha rehearse ... --format json > FILE'"
                                ) from None
    return budget


class Drill(InstanceHACommand):
    """Crash an Instance HA compute under a canary server and time its recovery."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--compute", required=True, metavar="HOST",
                            help="the Instance HA compute to crash, as Nova names it "
                                 "('openstack compute service list')")
        parser.add_argument("--method", required=True, choices=sorted(methods.METHODS),
                            help="how to fail it: " + "; ".join(
                                f"{m.NAME}: {m.HELP}" for m in methods.METHODS.values()))
        parser.add_argument("--image", required=True, help="the canary's image")
        parser.add_argument("--flavor", required=True, help="the canary's flavor")
        parser.add_argument("--network", help="the canary's network (default: none)")
        parser.add_argument("--os-cloud", metavar="CLOUD",
                            help="the clouds.yaml cloud (default: OS_* of a sourced "
                                 "overcloudrc); admin credentials: the canary is placed on "
                                 "the compute by zone:host")
        parser.add_argument("--budget", metavar="FILE",
                            help="'rehearse --format json' output: fail when the canary is "
                                 "rebuilt later than its worst case")
        parser.add_argument("--timeout", type=positive_seconds, default=600.0, metavar="SECONDS",
                            help="from the crash to the canary ACTIVE elsewhere (default 600)")
        parser.add_argument("--return-timeout", type=positive_seconds, default=900.0,
                            metavar="SECONDS",
                            help="then to the compute back in service (default 900)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true",
                          help="check everything and print what the drill would do; "
                               "change nothing")
        mode.add_argument("--confirm-crash", metavar="HOST",
                          help="really crash HOST (must repeat --compute)")
        methods.add_arguments(parser)
        return parser

    def run_command(self, args: argparse.Namespace) -> DrillReport:
        if not args.dry_run and args.confirm_crash != args.compute:
            raise InputError.single(
                "command line", f"the drill crashes {args.compute} and needs the "
                "confirmation", field="--confirm-crash",
                fix=f"add '--confirm-crash {args.compute}', or --dry-run to see the plan")
        request = run.Request(args.compute, args.image, args.flavor, args.network,
                              args.timeout, args.return_timeout,
                              _budget(args.budget) if args.budget else None)
        method = methods.METHODS[args.method](args.compute, args)
        from keystoneauth1 import exceptions as ks_exc
        from openstack import exceptions as sdk_exc
        conn = read.connect(args.os_cloud)
        try:
            drill = run.run(conn, request, method, args.dry_run)
        except (ks_exc.ClientException, sdk_exc.SDKException) as exc:
            raise InstanceHAError(f"Nova ({args.os_cloud or 'OS_* environment'}) refused a "
                                  f"call: {read.first_line(exc)}; nothing was crashed (the "
                                  "canary was deleted if it had been created)") from None
        finally:
            conn.close()
        return DrillReport(drill)
