"""The validate entry points other commands call (prepare, the CLI, tests).

Why here and not in the CLI: `prepare` runs the same plan checks before it
writes anything, and must get the same findings the command prints.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from tripleo_instanceha.errors import InputError
from tripleo_instanceha.paths import template_tree
from tripleo_instanceha.validate import linter
from tripleo_instanceha.validate.context import PlanContext, TemplateContext, tree_files
from tripleo_instanceha.validate.findings import Finding

#: A file of our tree whose presence in a THT tree means ours was laid onto it.
OVERLAY_MARKER = os.path.join("environments", "instance-ha.yaml")


#: Files only a tripleo-heat-templates tree has at its top (rendered or not).
THT_MARKERS = ("overcloud.j2.yaml", "overcloud.yaml")


def check_templates_dir(path: str) -> None:
    """Refuse (exit 2) a --templates that is not a tripleo-heat-templates tree."""
    if not os.path.isdir(path):
        raise InputError.single(path, "templates directory does not exist",
                                fix="pass --templates /usr/share/openstack-tripleo-heat-templates")
    if not any(os.path.isfile(os.path.join(path, m)) for m in THT_MARKERS):
        raise InputError.single(path, "not a tripleo-heat-templates tree (no "
                                "overcloud.j2.yaml)", fix="pass the THT directory the plan "
                                "deploys, e.g. /usr/share/openstack-tripleo-heat-templates")


def _our_tree() -> Optional[str]:
    try:
        return template_tree()
    except FileNotFoundError:
        return None


def template_context(templates_dir: Optional[str] = None, engine: bool = True,
                     tree: Optional[str] = None) -> TemplateContext:
    """Our files, read from a THT tree they were laid onto, else from our own tree."""
    tree = tree or _our_tree()
    if tree is None:
        raise FileNotFoundError("the tripleo-instanceha template tree is not installed")
    if templates_dir and os.path.isfile(os.path.join(templates_dir, OVERLAY_MARKER)) \
            and os.path.realpath(templates_dir) != os.path.realpath(tree):
        ours = tree_files(tree)
        return TemplateContext.build(templates_dir, target=templates_dir, engine=engine,
                                     only=ours)
    return TemplateContext.build(tree, target=templates_dir, engine=engine)


def validate_templates(templates_dir: Optional[str] = None, engine: bool = True,
                       tree: Optional[str] = None) -> List[Finding]:
    """Template checks on our tree (or on our files laid onto `templates_dir`)."""
    ctx = template_context(templates_dir, engine, tree)
    return linter.lint_templates(ctx, engine=engine)


def validate_plan(plan, templates_dir: Optional[str] = None, env_files: Sequence[str] = (),
                  engine: bool = False) -> List[Finding]:
    """Plan checks on a loaded Plan (the composed-overcloud Heat check only with `engine`)."""
    ctx = PlanContext(plan, templates_dir or plan.templates_dir, engine,
                      list(env_files) or list(plan.environment.files))
    return linter.lint_plan(ctx, engine=engine)


@dataclass
class Outcome:
    """Findings of one validate run, plus the recovery budget when there is a plan."""

    findings: List[Finding] = field(default_factory=list)
    budget: Any = None
    budget_note: Optional[str] = None
    checked: List[str] = field(default_factory=list)
    #: Checks that were asked for but could not run here, with why and the fix.
    not_run: Dict[str, str] = field(default_factory=dict)

    def errors(self) -> List[Finding]:
        return [f for f in self.findings if f.is_error]

    def warnings(self) -> List[Finding]:
        return [f for f in self.findings if not f.is_error]


#: Why the engine checks are skipped when the optional Heat extra is absent.
ENGINE_NOT_INSTALLED_FIX = ("pip install 'tripleo-instanceha[heat]' to run them, or pass "
                            "--no-engine")


def engine_available(outcome: Outcome) -> bool:
    """Whether Heat's engine can run here; when not, the outcome says so (never an error).

    Why not a finding: a missing optional install is not a defect of the plan,
    and an error for it would fail every run of a plain `pip install`.
    """
    from tripleo_instanceha import heat_engine
    reason = heat_engine.missing()
    if reason:
        outcome.not_run["heat engine"] = f"{reason} (fix: {ENGINE_NOT_INSTALLED_FIX})"
    return not reason


#: Findings after which the plan's nodes or parameters are too broken for a budget.
_NO_BUDGET_RULES = ("param-types", "tunables", "plan", "iha-enabled", "iha-role-services")


def recovery_budget(plan, findings: Sequence[Finding] = ()) -> tuple:
    """(budget, note): the time from a compute failure to its VMs rebuilding.

    Only for a plan with Instance HA computes whose parameters are sound: a
    budget computed from a wrong type or a half-enabled plan would mislead.
    """
    if any(f.is_error and f.rule in _NO_BUDGET_RULES for f in findings):
        return None, "recovery budget not computed: fix the errors above first"
    try:
        if not PlanContext(plan).iha_requested or not plan.iha_computes:
            return None, None
    except Exception:  # noqa: BLE001 - reported by the plan rules already
        return None, None
    try:
        from tripleo_instanceha.cluster.budget import budget
    except ImportError:
        return None, "recovery budget unavailable (tripleo_instanceha.cluster.budget missing)"
    try:
        return budget(plan), None
    except Exception as exc:  # noqa: BLE001 - the budget is informative, never fatal
        return None, f"recovery budget not computed: {exc}"
