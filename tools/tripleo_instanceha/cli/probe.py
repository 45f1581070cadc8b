"""`tripleo-instanceha fencing probe` / `openstack overcloud instance-ha fencing probe`.

A thin edge over `tripleo_instanceha.fencing.probe`: read the inventory or the
fencing environment, ask every device's real agent for its power status, and
report per node. Exit 0 when every device answered, 1 when one did not, 2
when the probe could not run.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any, List

from tripleo_instanceha.cli.base import (EXIT_CLEAN, EXIT_FINDINGS, InstanceHACommand,
                                         Result, positive_seconds)
from tripleo_instanceha.errors import InputError, Problem, shorten
from tripleo_instanceha.fencing import drivers as D
from tripleo_instanceha.fencing import probe as PR
from tripleo_instanceha.fencing.checks import printable
from tripleo_instanceha.fencing.generator import Selection

WARNING_LIMIT = 20


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


class ProbeReport(Result):
    def __init__(self, source: str, kind: str, outcomes: List[PR.Outcome], seconds: float,
                 concurrency: int, timeout: Any):
        self.source = source
        self.kind = kind
        self.outcomes = outcomes
        self.seconds = seconds
        self.concurrency = concurrency
        self.timeout = timeout
        self.exit_code = EXIT_FINDINGS if any(o.failed for o in outcomes) else EXIT_CLEAN

    def counts(self) -> Counter:
        return Counter(o.kind for o in self.outcomes)

    def to_dict(self) -> dict:
        return {"input": self.source, "input_kind": self.kind,
                "devices": len(self.outcomes),
                "answered": sum(o.answered for o in self.outcomes),
                "failed": sum(o.failed for o in self.outcomes),
                "seconds": round(self.seconds, 2), "concurrency": self.concurrency,
                "timeout": self.timeout, "counts": dict(sorted(self.counts().items())),
                "results": [o.to_dict() for o in self.outcomes]}

    def to_text(self) -> str:
        lines = []
        width = max([len(printable(shorten(o.target.node))) for o in self.outcomes] + [4])
        for o in self.outcomes:
            node = printable(shorten(o.target.node)).ljust(width)
            where = o.target.address or "-"
            line = f"{node}  {o.target.agent:<14} {where:<22} {o.kind:<18} {o.advice()}"
            lines.append(line.rstrip())
            if o.detail and not o.answered:
                lines.append(" " * (width + 2) + f"agent said: {o.detail}")
        failed = sum(o.failed for o in self.outcomes)
        summary = ", ".join(f"{n} {k}" for k, n in sorted(self.counts().items()))
        lines.append(f"{len(self.outcomes)} device(s) probed in {self.seconds:.1f} s "
                     f"({self.concurrency} at once): {summary}")
        lines.append("every device answered" if not failed
                     else f"{failed} device(s) did not answer")
        return "\n".join(lines)


class ProbeFencing(InstanceHACommand):
    """Run every fence device's real agent with action=status and report per node."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("source", metavar="INPUT",
                            help="the node inventory (instackenv.json, nodes.yaml, CSV) or "
                                 "the fencing environment 'fencing generate' wrote")
        parser.add_argument("--nodes", metavar="INVENTORY",
                            help="with a fencing environment: the inventory, to name each "
                                 "device's node by its MAC")
        parser.add_argument("--concurrency", type=_positive_int, metavar="N",
                            help="agents run at once (default: 8 per core, here "
                                 f"{PR.default_concurrency()}); the work is waiting on BMCs")
        parser.add_argument("--timeout", type=positive_seconds, metavar="SECONDS",
                            help="kill an agent's process group after this long (default: "
                                 "the agent's power_timeout + login_timeout + shell_timeout "
                                 "from its metadata + 2 s; 30 s for fence_ipmilan 4.12)")
        gen = parser.add_argument_group("inventory options (as for 'fencing generate')")
        gen.add_argument("--ipmi-no-lanplus", dest="ipmi_lanplus", action="store_false",
                         default=True, help="do not use lanplus (IPMI v1.5 BMCs)")
        gen.add_argument("--ipmi-cipher", type=int, metavar="SUITE",
                         help="IPMI cipher suite (ipmitool -C)")
        gen.add_argument("--ipmi-level", metavar="LEVEL",
                         help="IPMI privilege level: " + ", ".join(D.IPMI_LEVELS))
        gen.add_argument("--bmc-protocol", choices=("ipmi", "redfish"), default="ipmi",
                         help="agent for iDRAC, iLO, iRMC and XClarity BMCs")
        gen.add_argument("--node", dest="names", action="append", default=[], metavar="NAME",
                         help="probe only this node (repeatable)")
        gen.add_argument("--exclude", action="append", default=[], metavar="NAME",
                         help="do not probe this node (repeatable)")
        return parser

    def run_command(self, args: argparse.Namespace) -> Any:
        import time

        options = D.Options(ipmi_lanplus=args.ipmi_lanplus, ipmi_cipher=args.ipmi_cipher,
                            ipmi_level=args.ipmi_level, bmc_protocol=args.bmc_protocol)
        selection = Selection(tuple(args.names), (), (), tuple(args.exclude))
        kind, targets, warnings = PR.load_targets(args.source, options, selection, args.nodes)
        if not targets:
            raise InputError.single(args.source, "no device is left to probe",
                                    field="--node/--exclude", fix="check the node names")
        self._warn(warnings)
        concurrency = args.concurrency or PR.default_concurrency()
        start = time.monotonic()
        outcomes = PR.probe(targets, concurrency, args.timeout)
        timeout = args.timeout if args.timeout else {
            a: PR.default_timeout(a) for a in sorted({t.agent for t in targets})}
        return ProbeReport(args.source, kind, outcomes, time.monotonic() - start, concurrency,
                           timeout)

    def _warn(self, warnings: List[Problem]) -> None:
        stream = getattr(self.app, "stderr", None) or sys.stderr
        for warning in warnings[:WARNING_LIMIT]:
            stream.write(f"warning: {warning}\n")
        if len(warnings) > WARNING_LIMIT:
            stream.write(f"warning: ... and {len(warnings) - WARNING_LIMIT} more warnings\n")
