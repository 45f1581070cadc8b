"""Reading operator files safely and writing files that may hold secrets.

Why this module exists: inventories and environments come from operators, so
every read must turn encoding, syntax and alias-bomb problems into one
`InputError` naming the file and line; and every file that may hold a BMC or
keystone password must appear atomically with mode 0600, never half-written.
"""
from __future__ import annotations

import json
from typing import Any

import yaml

from tripleo_instanceha import fileio
from tripleo_instanceha.errors import InputError

#: More aliases than this in one document is treated as a "billion laughs" attack.
MAX_ALIASES = 100
#: Files larger than this are refused before parsing (an inventory of 10,000
#: nodes is about 5 MiB).
MAX_BYTES = fileio.MAX_BYTES


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents expanding too many aliases."""

    def __init__(self, stream):
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"more than {MAX_ALIASES} YAML aliases (anchors '*'); refusing a "
                    "document that may expand without bound", mark)
        return super().compose_node(parent, index)


def read_text(path: str) -> str:
    """Read a UTF-8 text file (or a pipe with a writer), or raise InputError naming it."""
    data = fileio.read_bytes(path, MAX_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError.single(path, f"not valid UTF-8 (byte {exc.start})", line=line,
                                fix="save the file as UTF-8") from None
    return text.lstrip("\ufeff")


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML (which includes JSON) safely, raising InputError with the line."""
    try:
        return yaml.load(text, Loader=_GuardedLoader)  # noqa: S506 - guarded SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError.single(source, f"broken YAML: {problem}", line=line,
                                fix="correct the syntax at that line") from None
    except yaml.YAMLError as exc:
        raise InputError.single(source, f"broken YAML: {exc}",
                                fix="correct the syntax") from None
    except RecursionError:
        raise InputError.single(source, "YAML nested too deeply",
                                fix="flatten the document") from None


def parse_json(text: str, source: str) -> Any:
    """Parse JSON, raising InputError with the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.single(source, f"broken JSON: {exc.msg}", line=exc.lineno,
                                fix="correct the syntax at that line") from None
    except RecursionError:
        raise InputError.single(source, "JSON nested too deeply",
                                fix="flatten the document") from None


def load_file(path: str) -> Any:
    """Load a JSON or YAML file (chosen by extension, JSON first for .json)."""
    text = read_text(path)
    if path.endswith(".json"):
        return parse_json(text, path)
    return parse_yaml(text, path)


#: The one write path (kept under this name for its many callers).
atomic_write = fileio.atomic_write


class _Dumper(yaml.SafeDumper):
    """Block-style dumper that indents lists under their key, like THT files."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def dump_yaml(data: Any) -> str:
    """Dump data as block YAML in a stable key order (input order kept)."""
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False,
                     width=100, allow_unicode=True)
