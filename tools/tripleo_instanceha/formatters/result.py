"""A command's outcome as text or JSON, and the exit codes every reporting command uses.

Exit codes: 0 clean, 1 findings or a failing verdict, 2 could not run (usage,
unreadable input, missing tool). Why here and not in the command-line layer:
the reports themselves (`prepare.report`, `cluster.report`) are built below it and must
not import upwards.
"""
from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class Result:
    """A command's outcome: rendered as text or JSON, with its exit code."""

    exit_code = EXIT_CLEAN

    def to_dict(self) -> dict:
        raise NotImplementedError

    def to_text(self) -> str:
        raise NotImplementedError
