"""The timing table of the live cluster run (printed at the end of the session)."""
from __future__ import annotations

from typing import Optional


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else "%.1f" % value


def rows(results: dict) -> list[tuple]:
    """(profile, monitor/reconnect, scenario, fenced, first evacuate, ACTIVE, returned)."""
    out = []
    for key, run in results.items():
        if key.startswith("_"):
            continue
        timing = "%d s / %d s" % (run.profile.monitor, run.profile.reconnect)
        for name, obs in run.observations.items():
            computes = [v for v in obs.victims if "compute" in v]
            fenced = max((obs.fenced.get(v) for v in computes if v in obs.fenced),
                         default=None)
            active = max(obs.active_elsewhere.values(), default=None)
            out.append((run.profile.title, timing, name, fenced, obs.first_evacuate, active,
                        obs.returned, obs.error))
    return out


def table(results: dict) -> str:
    head = ("profile", "monitor/reconnect", "scenario", "fenced", "1st evacuate",
            "VM ACTIVE", "compute back")
    body = [(p, t, s, _fmt(f), _fmt(e), _fmt(a), _fmt(r)) for p, t, s, f, e, a, r, _ in
            rows(results)]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    line = "  ".join("%-*s" % (w, h) for w, h in zip(widths, head))
    lines = [line, "  ".join("-" * w for w in widths)]
    lines += ["  ".join("%-*s" % (w, c) for w, c in zip(widths, row)) for row in body]
    lines.append("(seconds after the fault)")
    for key, run in results.items():
        if not key.startswith("_"):
            lines.append("%s: cluster up in %s s" % (run.profile.title, _fmt(run.bring_up)))
            for retry in getattr(run, "retries", ()):
                lines.append("%s: RETRIED ONCE %s" % (run.profile.title, retry))
            leave = run.observations.get("remote restart in maintenance")
            if leave is not None and not leave.error:
                lines.append("%s: leaving maintenance after the remote restart (shutdown "
                             "request pending: %s): %s, back after %s s" % (
                                 run.profile.title, "yes" if leave.shutdown_pending else "no",
                                 "FENCED the compute" if leave.fenced_on_leave
                                 else "nothing fenced", _fmt(leave.returned)))
    lines.append("")
    lines.append("measured vs the recovery budget of rehearse (seconds after the fault):")
    head = ("profile", "scenario", "1st evacuate", "budget", "VM ACTIVE", "budget")
    body = []
    for key, run in results.items():
        if key.startswith("_") or run.budget is None:
            continue
        first, rebuild = run.budget.to_first_evacuate, run.budget.to_rebuild
        for name, obs in run.observations.items():
            active = max(obs.active_elsewhere.values(), default=None)
            body.append((run.profile.title, name, _fmt(obs.first_evacuate),
                         "%g-%g" % first, _fmt(active), "%g-%g" % rebuild))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    lines.append("  ".join("%-*s" % (w, h) for w, h in zip(widths, head)))
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join("%-*s" % (w, c) for w, c in zip(widths, row)) for row in body]
    if "_wall" in results:
        lines.append("whole live cluster run: %.0f s" % results["_wall"])
    return "\n".join(lines) + "\n"
