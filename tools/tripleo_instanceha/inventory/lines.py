"""Where each node starts in its file, so messages can point at it."""
from __future__ import annotations

from typing import Optional


class LineDict(dict):
    """A mapping that remembers the line it started on (for messages)."""

    line: Optional[int] = None
