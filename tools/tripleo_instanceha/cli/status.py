"""`tripleo-instanceha status` / `openstack overcloud instance-ha status`.

A thin edge over `tripleo_instanceha.cluster.health` and, with ``--os-cloud``
(or ``OS_*`` in the environment, e.g. a sourced overcloudrc),
`tripleo_instanceha.nova`: read the live cluster (on a controller) or a saved
CIB, and Nova, judge whether Instance HA would work if a compute failed now,
and report. Read-only: it never changes the cluster or Nova.
Exit 0 protected, 1 degraded, 2 could not run.
"""
from __future__ import annotations

import argparse
import os
from typing import Optional

from tripleo_instanceha.cli.base import InstanceHACommand
from tripleo_instanceha.cluster import health, metrics
from tripleo_instanceha.cluster.protection import DEGRADED, PROTECTED, Assessment
from tripleo_instanceha.errors import InstanceHAError
from tripleo_instanceha.formatters.result import EXIT_CLEAN, EXIT_FINDINGS, Result
from tripleo_instanceha.nova import judge, read


#: why the Nova half is absent when neither --os-cloud nor OS_* was given
NOVA_NOT_ASKED = ("Nova (nova-compute services, evacuations, servers) was not read: pass "
                  "--os-cloud CLOUD or source overcloudrc (OS_*)")


class Report(Result):
    """The cluster's assessment with the Nova findings merged into one verdict."""

    def __init__(self, assessment: Assessment, nova: Optional[judge.NovaReport]):
        self.assessment, self.nova = assessment, nova
        bad = assessment.findings or (nova is not None and nova.findings)
        self.verdict = DEGRADED if bad else PROTECTED
        self.exit_code = EXIT_FINDINGS if bad else EXIT_CLEAN

    def to_dict(self) -> dict:
        data = self.assessment.to_dict()
        if self.nova is None:
            data["nova"] = {"checked": False, "reason": NOVA_NOT_ASKED}
        else:
            data["nova"] = self.nova.to_dict()
            data["reasons"] += [f.to_dict() for f in self.nova.findings]
        data["verdict"] = self.verdict
        return data

    def to_text(self) -> str:
        lines = self.assessment.to_text().splitlines()
        if self.nova is None:
            return "\n".join(f"  not checked [nova]: {NOVA_NOT_ASKED}"
                             if line.startswith("  not checked [nova]") else line
                             for line in lines)
        lines = [line for line in lines if not line.startswith(("  not checked [nova]",
                                                                "Verdict:"))]
        at = lines.index("Reasons:") if "Reasons:" in lines else len(lines)
        lines[at:at] = self.nova.to_text()
        if self.nova.findings and "Reasons:" not in lines:
            lines.append("Reasons:")
        lines += [f"  {f}" for f in self.nova.findings]
        lines.append(f"Verdict: {self.verdict.upper()}")
        return "\n".join(lines)


def _cluster_view(assessment: Assessment) -> dict:
    evacuate = assessment.snapshot.evacuate or {}
    return {c.name: {"remote": c.state,
                     "evacuate": c.evacuate or evacuate.get(c.name)}
            for c in assessment.computes}


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
        nova = parser.add_argument_group("nova")
        nova.add_argument("--os-cloud", metavar="CLOUD",
                          help="also check Nova with this clouds.yaml cloud (without it, "
                               "Nova is checked when OS_AUTH_URL is set, e.g. a sourced "
                               "overcloudrc)")
        return parser

    def run_command(self, args: argparse.Namespace) -> Report:
        # Nova first: bad credentials fail before any cluster call (exit 2, one message).
        # A textfile is replaced whatever happens (status_up 0 when it could not run): an
        # old one would go on saying "protected".
        data = None
        if args.os_cloud or os.environ.get("OS_AUTH_URL") or os.environ.get("OS_CLOUD"):
            if args.prometheus:
                health.check_target(args.prometheus)
            try:
                data = read.read(args.os_cloud)
            except InstanceHAError:
                if args.prometheus:
                    metrics.write(args.prometheus, None)
                raise

        def nova(assessment: Assessment) -> judge.NovaReport:
            return judge.judge(data, _cluster_view(assessment))
        assessment, report = health.check(cib=args.cib, prometheus=args.prometheus,
                                          nova=nova if data is not None else None)
        return Report(assessment, report)
