"""Fast block-YAML emission of the fencing environment.

Why not `yaml.dump`: PyYAML's representer and emitter take seconds for the
10,000-device environment of a large cloud (libyaml only speeds up the last
stage). The environment is plain data (mappings, lists, strings, numbers,
booleans), so each scalar is written either plain, when PyYAML's own resolver
would read it back as the same string, or as a JSON double-quoted string,
which YAML reads identically. Tests load every emitted file back with
`yaml.safe_load` and compare it with the data.
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any, List

import yaml

_RESOLVER = yaml.resolver.Resolver()
#: Characters a plain scalar may hold here without any YAML indicator meaning.
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./@+:=-]*")
_STR_TAG = "tag:yaml.org,2002:str"
#: Characters YAML does not allow (or treats as line breaks) even inside quotes.
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def _escape(match: "re.Match[str]") -> str:
    return f"\\u{ord(match.group(0)):04x}"


def scalar(value: Any) -> str:
    """One scalar as YAML text that reads back as the same value."""
    if type(value) is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return _string(str(value))


@functools.lru_cache(maxsize=65536)
def _string(text: str) -> str:
    """Plain when PyYAML would read it back as this very string, else double-quoted."""
    if (_PLAIN.fullmatch(text) and not text.endswith(":")
            and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG):
        return text
    return _UNPRINTABLE.sub(_escape, json.dumps(text, ensure_ascii=False))


def _emit(value: Any, indent: int, lines: List[str]) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{scalar(key)}:")
                _emit(item, indent + 2, lines)
            else:
                lines.append(f"{pad}{scalar(key)}: {_inline(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                sub: List[str] = []
                _emit(item, indent + 2, sub)
                lines.append(f"{pad}- {sub[0][indent + 2:]}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_inline(item)}")
    else:
        lines.append(pad + scalar(value))


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return scalar(value)


def to_yaml(data: Any) -> str:
    """Block YAML, lists indented under their key like THT's files."""
    lines: List[str] = []
    _emit(data, 0, lines)
    return "\n".join(lines) + "\n"
