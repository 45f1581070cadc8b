"""Typed errors, turned into one clear message at the command-line edge.

Every error raised for bad input names where the problem is (file, node,
field, line) and what to do about it, so the CLI can print it without a
traceback. Nothing here ever carries a secret: callers pass masked values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional


#: How much of a value a message shows: enough to recognise it, never a screenful.
SHOWN_MAX = 60


def shorten(value: object, limit: int = SHOWN_MAX) -> str:
    """A value as messages show it: cut to `limit` characters, saying how long it really is.

    Why: an inventory value may be any size (a 20,000-character node name was
    seen), and a message that echoes it whole buries the message itself.
    """
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


class InstanceHAError(Exception):
    """Base of every error the tools report to the user (exit code 2)."""

    exit_code = 2


@dataclass
class Problem:
    """One thing wrong with an input: where, what, and how to fix it."""

    source: str
    message: str
    fix: Optional[str] = None
    field: Optional[str] = None
    line: Optional[int] = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.fix:
            text += f" (fix: {self.fix})"
        return text

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class InputError(InstanceHAError):
    """One or more problems in a user-supplied file; all are reported at once."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, source: str, message: str, fix: Optional[str] = None,
               field: Optional[str] = None, line: Optional[int] = None) -> "InputError":
        return cls(Problem(source, message, fix=fix, field=field, line=line))


class ToolMissingError(InstanceHAError):
    """An external program (crm_simulate, pcs, ...) is not installed."""

    def __init__(self, tool: str, package: str):
        super().__init__(f"'{tool}' is not installed (fix: apt-get install {package}, "
                         f"or run tools/setup-env.sh as root)")
        self.tool = tool
        self.package = package


class OutputExistsError(InstanceHAError):
    """A file we would write was changed by the operator since we wrote it."""
