"""One finding of `validate`: which check, how bad, where, what, and the fix.

Why a type of its own (and not `errors.Problem`): a finding is a verdict on
input that *was* readable, produced by a named check, with a severity that
decides the exit code; a Problem is input we could not read at all (exit 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


@dataclass(frozen=True)
class Finding:
    """One thing wrong: rule id, severity, file and line, message and fix."""

    rule: str
    severity: str
    message: str
    file: Optional[str] = None
    line: Optional[int] = None
    fix: Optional[str] = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self) -> str:
        """'file:line', 'file' or '' -- the prefix editors and CI logs can jump to."""
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.rule, self.message)

    def to_dict(self) -> dict:
        data = {"rule": self.rule, "severity": self.severity, "file": self.file,
                "line": self.line, "message": self.message, "fix": self.fix}
        return {k: v for k, v in data.items() if v is not None}


def error(rule: str, message: str, file: Optional[str] = None, line: Optional[int] = None,
          fix: Optional[str] = None) -> Finding:
    return Finding(rule, ERROR, message, file, line, fix)


def warning(rule: str, message: str, file: Optional[str] = None, line: Optional[int] = None,
            fix: Optional[str] = None) -> Finding:
    return Finding(rule, WARNING, message, file, line, fix)
