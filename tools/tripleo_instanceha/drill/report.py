"""A drill's outcome as text or JSON: the plan, the timeline, the budget, the verdict."""
from __future__ import annotations

from tripleo_instanceha.drill.run import DRY_RUN, FAILED, Drill
from tripleo_instanceha.formatters.result import EXIT_CLEAN, EXIT_FINDINGS, Result


class DrillReport(Result):
    def __init__(self, drill: Drill):
        self.drill = drill
        self.exit_code = EXIT_FINDINGS if drill.verdict == FAILED else EXIT_CLEAN

    def _budget(self) -> dict:
        budget = self.drill.request.budget
        if not budget:
            return {}
        return {"to_first_evacuate_s": budget["to_first_evacuate_s"],
                "to_rebuild_s": budget["to_rebuild_s"]}

    def to_dict(self) -> dict:
        d = self.drill
        return {"compute": d.request.compute, "method": d.method, "verdict": d.verdict,
                "steps": list(d.steps), "canary": d.canary, "recovered_on": d.recovered_on,
                "timeline": [e.to_dict() for e in d.events], "budget": self._budget(),
                "reasons": list(d.reasons), "leftovers": list(d.leftovers)}

    def to_text(self) -> str:
        d = self.drill
        if d.verdict == DRY_RUN:
            lines = [f"Drill on {d.request.compute} (dry run: nothing was booted or crashed). "
                     "It would:"]
            lines += [f"  {n}. {step}" for n, step in enumerate(d.steps, 1)]
            return "\n".join(lines)
        lines = [f"Drill on {d.request.compute} ({d.method}), canary {d.canary or '-'}:",
                 "  seconds from the crash  event"]
        lines += [f"  {e.at:>+22.1f}  {e.what}" for e in d.events]
        budget = self._budget()
        if budget:
            rebuild = budget["to_rebuild_s"]
            lines.append(f"  rehearsed budget: VMs rebuilding {rebuild['best']:g} to "
                         f"{rebuild['worst']:g} s after the failure")
        else:
            lines.append("  rehearsed budget: not given (pass --budget with the output of "
                         "'rehearse --format json')")
        lines += [f"  reason: {r}" for r in d.reasons]
        lines.append(f"Verdict: {d.verdict.upper()}")
        return "\n".join(lines)
