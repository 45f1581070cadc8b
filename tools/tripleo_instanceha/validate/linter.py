"""Run rules over a context and collect their findings, never letting one rule sink the run.

Why: a validator that stops at the first broken file, or dies on an input
shape nobody foresaw, hides every other problem. Each rule runs on its own;
input it cannot read becomes a finding; a defect of ours becomes an error
finding naming the rule, so the report is complete and exit code honest.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.validate import rules as rules_pkg
from tripleo_instanceha.validate.findings import Finding, error


def run_rules(ctx, modules: Iterable, engine: bool = True,
              select: Optional[Sequence[str]] = None) -> List[Finding]:
    """Every finding of every selected rule, sorted by file, line and rule."""
    findings: List[Finding] = []
    for module in modules:
        if select and module.ID not in select:
            continue
        if getattr(module, "NEEDS_ENGINE", False) and not engine:
            continue
        try:
            findings.extend(module.check(ctx))
        except InputError as exc:
            for problem in exc.problems:
                findings.append(error(module.ID, problem.message, problem.source, problem.line,
                                      problem.fix))
        except Exception as exc:  # noqa: BLE001 - reported, never a traceback
            findings.append(error(module.ID, f"the check could not run ({type(exc).__name__}: "
                                  f"{exc})", fix="report this as a bug of tripleo-instanceha"))
    return _unique(findings)


def _unique(findings: List[Finding]) -> List[Finding]:
    seen = set()
    result = []
    for finding in findings:
        if finding not in seen:
            seen.add(finding)
            result.append(finding)
    return result


def lint_templates(ctx, engine: bool = True,
                   select: Optional[Sequence[str]] = None) -> List[Finding]:
    """Template checks over a TemplateContext (unreadable files are findings too)."""
    findings = [f.problem for f in ctx.files if f.problem is not None]
    findings += run_rules(ctx, rules_pkg.template_rules(), engine, select)
    return sorted(_unique(findings), key=Finding.sort_key)


def lint_plan(ctx, engine: bool = True, select: Optional[Sequence[str]] = None) -> List[Finding]:
    """Plan checks over a PlanContext (a plan whose nodes cannot be placed is a finding)."""
    findings = run_rules(ctx, rules_pkg.plan_rules(), engine, select)
    problem = ctx.placement_problem()
    if problem is not None:
        findings.append(problem)
    return sorted(_unique(findings), key=Finding.sort_key)
