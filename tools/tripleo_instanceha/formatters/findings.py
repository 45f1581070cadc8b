"""Findings as text (one line each, like compilers and yamllint) or JSON.

Why shared: validate, prepare and any later command report findings the
same way, so operators and CI parse one format.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional


def display_path(path: Optional[str]) -> Optional[str]:
    """A path relative to the current directory when it is below it (shorter, clickable)."""
    if not path:
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


def finding_line(finding) -> str:
    where = display_path(finding.file) or "plan"
    if finding.line:
        where += f":{finding.line}"
    text = f"{where}: {finding.severity}: [{finding.rule}] {finding.message}"
    if finding.fix:
        text += f"\n    fix: {finding.fix}"
    return text


def summary(findings: Iterable) -> Dict[str, int]:
    items = list(findings)
    errors = sum(1 for f in items if f.severity == "error")
    return {"errors": errors, "warnings": len(items) - errors}


def to_text(findings: List, title: Optional[str] = None) -> str:
    lines: List[str] = []
    if title:
        lines.append(title)
    lines += [finding_line(f) for f in findings]
    counts = summary(findings)
    lines.append(f"{counts['errors']} error(s), {counts['warnings']} warning(s)")
    return "\n".join(lines)


def to_dict(findings: List, **extra: Any) -> Dict[str, Any]:
    data: Dict[str, Any] = {"summary": summary(findings)}
    data.update(extra)
    data["findings"] = [dict(f.to_dict(), file=display_path(f.file)) if f.file else f.to_dict()
                        for f in findings]
    return data
