"""How a prepare run is reported: a short text for people, a dict for --format json.

Why its own module: `prepare` and `demo` print the same report, and the text
must never carry a secret (fencing.yaml is listed by name only).
"""
from __future__ import annotations

import os
from typing import Any, Dict, List

from tripleo_instanceha.errors import shorten
from tripleo_instanceha.fencing.checks import printable
from tripleo_instanceha.formatters.result import EXIT_CLEAN, EXIT_FINDINGS, Result
from tripleo_instanceha.prepare import command
from tripleo_instanceha.prepare.pipeline import Outcome


def _as_dict(item: Any) -> Any:
    if hasattr(item, "to_dict"):
        return item.to_dict()
    return str(item)


def _node_name(placed: Dict[str, Any]) -> str:
    """The operator's own name for the node (cut when huge), else its place in the file."""
    name = placed["node"]
    return printable(shorten(name)) if name else f"#{placed['index']} (no name)"


def _line(item: Any) -> str:
    if hasattr(item, "severity") and hasattr(item, "message"):
        where = item.location() if hasattr(item, "location") else ""
        fix = f" (fix: {item.fix})" if getattr(item, "fix", None) else ""
        return f"{where + ': ' if where else ''}{item.severity}: {item.message} " \
               f"[{item.rule}]{fix}"
    for attr in ("to_text", "summary_line"):
        method = getattr(item, attr, None)
        if callable(method):
            return method()
    return str(item)


class PrepareResult(Result):
    def __init__(self, outcome: Outcome, release: str = "", title: str = "",
                 footer: str = "") -> None:
        self.outcome = outcome
        self.release = release
        self.title = title
        self.footer = footer
        self.exit_code = EXIT_CLEAN if outcome.ok else EXIT_FINDINGS

    def to_dict(self) -> Dict[str, Any]:
        o = self.outcome
        data: Dict[str, Any] = {
            "ok": o.ok,
            "stopped": o.stopped or None,
            "output_dir": os.path.abspath(o.request.output_dir),
            "templates": os.path.abspath(o.request.templates),
            "release": self.release or None,
            "roles": o.role_counts,
            "roles_changes": o.changes,
            "nodes": o.placed,
            "fenced_nodes": o.fenced_nodes,
            "notes": o.notes,
            "written": o.written,
            "unchanged": o.unchanged,
            "findings": [_as_dict(f) for f in o.findings],
            "rehearsal": o.rehearsal.to_dict() if o.rehearsal else None,
            "heat": None if o.heat is None else {"ok": o.heat.ok, "errors": o.heat.errors,
                                                 "rendered_tree": o.heat.rendered_tree},
            "heat_skipped": o.heat_skipped or None,
            "budget": _as_dict(o.budget) if o.budget is not None else None,
            "deploy_command": o.deploy or None,
        }
        return data

    def to_text(self) -> str:
        o = self.outcome
        out: List[str] = []
        if self.title:
            out.append(self.title)
        release = f" (tripleo-heat-templates {self.release})" if self.release else ""
        out.append(f"Templates: {o.request.templates}{release}")
        out.append("Roles: " + ", ".join(f"{name} {count}"
                                         for name, count in o.role_counts.items()))
        out.extend(f"  {change}" for change in o.changes)
        out.extend(f"  note: {note}" for note in o.notes)
        if o.placed:
            out.append("Nodes (inventory name -> host name, role):")
            out.extend(f"  {_node_name(p)} -> {p['host']} ({p['role']})" for p in o.placed)
        shown = ", ".join(o.fenced_nodes[:3]) + (", ..." if len(o.fenced_nodes) > 3 else "")
        out.append(f"Fencing: {len(o.fenced_nodes)} cluster node(s) ({shown})")
        errors = [f for f in o.findings if getattr(f, "is_error", False)]
        out.append(f"Validate: {len(errors)} error(s), {len(o.findings) - len(errors)} warning(s)")
        out.extend(f"  {_line(f)}" for f in o.findings)
        if o.rehearsal is not None:
            out.append("Rehearsal (crm_simulate): " + ("every failure recovers" if o.rehearsal.ok
                                                       else "FAILED"))
            out.extend(o.rehearsal.lines())
        if o.heat is not None:
            if o.heat.ok:
                out.append("Heat engine: the composed overcloud validates")
            else:
                out.append("Heat engine: the composed overcloud does not validate:")
                out.extend(f"  {e}" for e in o.heat.errors)
        if o.heat_skipped:
            out.append(f"Heat engine: not run: {o.heat_skipped}")
        if o.budget is not None:
            out.append("Recovery budget (per failed compute):")
            out.append(_line(o.budget))
        if not o.ok:
            out.append(f"Stopped: {o.stopped}; nothing was written to {o.request.output_dir}")
            return "\n".join(out)
        out.append(f"Files in {o.request.output_dir}: "
                   + (f"{len(o.written)} written" if o.written else "none changed")
                   + (f", {len(o.unchanged)} unchanged" if o.unchanged else ""))
        out.extend(f"  wrote {name}" + (" (mode 0600: BMC passwords)" if name == "fencing.yaml"
                                        else "") for name in o.written if "/" not in name)
        nested = [name for name in o.written if "/" in name]
        if nested:
            out.append(f"  wrote {nested[0].split('/', 1)[0]}/ ({len(nested)} file(s))")
        out.append("Deploy with:")
        out.append(command.as_shell(o.deploy))
        if self.footer:
            out.append(self.footer)
        return "\n".join(out)
