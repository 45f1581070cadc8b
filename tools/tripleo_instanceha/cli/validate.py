"""`tripleo-instanceha validate`: every Instance HA misconfiguration, before deploy.

Exit codes: 0 no errors (warnings are printed but do not fail, unless
--strict), 1 at least one error finding, 2 the inputs could not be read.
"""
from __future__ import annotations

import argparse
from typing import Any, Optional

from tripleo_instanceha.cli.base import (EXIT_CLEAN, EXIT_FINDINGS, InstanceHACommand, Result,
                                         add_plan_arguments)
from tripleo_instanceha.formatters import findings as fmt
from tripleo_instanceha.validate import api

#: Said whenever validate ran without any plan argument: "0 error(s)" is then about the
#: tool's own templates only, and reads too easily as "your plan is fine".
NO_PLAN_NOTE = ("only the tool's own templates were checked, no deployment plan was given; "
                "to check yours, pass the options you give 'openstack overcloud deploy': "
                "--templates THT_DIR -r roles_data.yaml -e ENV_FILE (repeat for each) --nodes "
                "instackenv.json")


class ValidateResult(Result):
    def __init__(self, outcome: api.Outcome, strict: bool = False,
                 plan_note: Optional[str] = None):
        self.outcome = outcome
        self.strict = strict
        self.plan_note = plan_note

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        if self.outcome.errors() or (self.strict and self.outcome.warnings()):
            return EXIT_FINDINGS
        return EXIT_CLEAN

    def to_dict(self) -> dict:
        budget: Optional[Any] = self.outcome.budget.to_dict() if self.outcome.budget else None
        extra: dict = {"checked": self.outcome.checked, "not_run": self.outcome.not_run,
                       "plan_checked": "plan" in self.outcome.checked, "strict": self.strict}
        if self.plan_note:
            extra["note"] = self.plan_note
        if budget is not None:
            extra["recovery_budget"] = budget
        elif self.outcome.budget_note:
            extra["recovery_budget_note"] = self.outcome.budget_note
        return fmt.to_dict(self.outcome.findings, **extra)

    def _title(self) -> str:
        lines = ["checked: " + ", ".join(self.outcome.checked)]
        lines += [f"not run: {check}: {why}" for check, why in self.outcome.not_run.items()]
        return "\n".join(lines)

    def to_text(self) -> str:
        text = fmt.to_text(self.outcome.findings,
                           title=self._title())
        if self.outcome.budget is not None:
            text += "\n\n" + self.outcome.budget.to_text()
        elif self.outcome.budget_note:
            text += f"\n\n{self.outcome.budget_note}"
        if self.plan_note:
            text += f"\nnote: {self.plan_note}"
        return text


class Validate(InstanceHACommand):
    """Check the templates and the whole deployment plan for Instance HA misconfigurations."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        add_plan_arguments(parser)
        parser.add_argument("--templates-only", action="store_true",
                            help="check only the templates (our tree, or ours on THT_DIR)")
        parser.add_argument("--no-engine", action="store_true",
                            help="skip the openstack-heat engine checks (fast, static only)")
        parser.add_argument("--strict", action="store_true",
                            help="warnings fail the run too (exit 1)")
        return parser

    def run_command(self, args: argparse.Namespace) -> ValidateResult:
        from tripleo_instanceha.plan import Plan
        if args.templates:
            api.check_templates_dir(args.templates)
        outcome = api.Outcome()
        engine = not args.no_engine and api.engine_available(outcome)
        wants_plan = not args.templates_only and bool(
            args.roles_file or args.env_files or args.nodes or args.templates)
        plan = None
        if wants_plan:
            plan = Plan.load(args.templates, args.roles_file, args.env_files, args.nodes,
                             args.stack)
        outcome.findings += api.validate_templates(args.templates, engine=engine)
        outcome.checked.append("templates")
        if plan is not None:
            outcome.findings += api.validate_plan(plan, args.templates, args.env_files, engine)
            outcome.checked.append("plan")
            outcome.budget, outcome.budget_note = api.recovery_budget(plan, outcome.findings)
        if engine:
            outcome.checked.append("heat engine")
        # No plan argument at all (not even --templates-only, which asks for exactly this).
        note = NO_PLAN_NOTE if plan is None and not args.templates_only else None
        return ValidateResult(outcome, args.strict, note)
