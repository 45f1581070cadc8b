"""A rehearsal's outcome: scenarios, coverage findings and the recovery budget, as text or JSON.

Why in the cluster layer and not beside the command: `rehearse` prints it and
`prepare` embeds the same report in its own, and prepare must not import the
command-line layer. Everything it reads is the cluster layer's own.
"""
from __future__ import annotations

from typing import List, Optional

from tripleo_instanceha.cluster import checks
from tripleo_instanceha.cluster.budget import Budget
from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.cluster.scenarios import ScenarioResult
from tripleo_instanceha.cluster.simulate import pacemaker_version
from tripleo_instanceha.formatters.result import EXIT_CLEAN, EXIT_FINDINGS, Result


class RehearsalReport(Result):
    """Scenarios, coverage findings and budget; passwords never appear here."""

    def __init__(self, cluster: ClusterModel, findings: List[checks.Finding],
                 scenarios: List[ScenarioResult], recovery: Budget,
                 output_dir: Optional[str]):
        self.cluster = cluster
        self.findings = findings
        self.scenarios = scenarios
        self.budget = recovery
        self.output_dir = output_dir
        failing = checks.errors(findings) or [s for s in scenarios if not s.ok]
        self.exit_code = EXIT_FINDINGS if failing else EXIT_CLEAN

    @property
    def verdict(self) -> str:
        return "pass" if self.exit_code == EXIT_CLEAN else "fail"

    def to_dict(self) -> dict:
        return {"verdict": self.verdict,
                "cluster": self.cluster.summary(),
                "scheduler": f"pacemaker {pacemaker_version()}",
                "coverage": [f.to_dict() for f in self.findings],
                "scenarios": [s.to_dict() for s in self.scenarios],
                "budget": self.budget.to_dict(),
                "output_dir": self.output_dir}

    def to_text(self) -> str:
        c = self.cluster
        lines = [f"Target cluster stack: {c.stack.describe()}; scheduler run here: "
                 f"pacemaker {pacemaker_version()}",
                 f"Cluster: {len(c.controllers)} controller(s), {len(c.remotes)} remote(s), "
                 f"{len(c.computes)} Instance HA compute(s), {len(c.stonith)} stonith "
                 f"device(s), {len(c.levels)} fencing level(s), {len(c.avoids)} stonith "
                 f"avoid constraint(s)"]
        approximations = c.summary()["approximations"]
        if approximations:
            lines.append("Model approximations:")
            lines += [f"  {a}" for a in approximations]
        lines.append("Coverage (what crm_simulate does not check):")
        if self.findings:
            lines += [f"  {f}" for f in self.findings]
        else:
            lines.append("  every node has a device covering it at every level; fence-nova "
                         "covers every Instance HA compute")
        for scenario in self.scenarios:
            mark = "PASS" if scenario.ok else "FAIL"
            failed = f" [{', '.join(scenario.failed)}]" if scenario.failed else ""
            lines.append(f"{mark} {scenario.name}: {scenario.title}{failed}")
            if scenario.scheduled:
                lines.append("  pacemaker schedules:")
                lines += [f"    {s}" for s in scenario.scheduled]
            for step in scenario.steps:
                detail = f" -- {step.detail}" if step.detail else ""
                lines.append(f"  [{'ok' if step.ok else 'FAILED'}] {step.name}{detail}")
        lines.append("Recovery budget (per failed compute):")
        lines.append(self.budget.to_text())
        if self.output_dir:
            lines.append(f"CIB and transition graphs kept in {self.output_dir} "
                         "(cib.xml holds passwords, mode 0600)")
        lines.append(f"Verdict: {self.verdict.upper()}")
        return "\n".join(lines)
