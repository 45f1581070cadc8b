"""What `prepare` wrote last time, so a re-run can tell its own files from the operator's edits.

Why: running prepare again must be safe. A file whose content still matches
the checksum recorded here is ours and may be replaced; anything else in the
way (an edited file, or a file prepare never wrote) belongs to the operator
and is only overwritten with --force.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Dict, List, Mapping

from tripleo_instanceha.errors import OutputExistsError

MANIFEST = ".instance-ha-prepare.json"
VERSION = 1


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _file_digest(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def read(output_dir: str) -> Dict[str, str]:
    """name -> sha256 of the files the last run wrote (empty when there is no usable manifest)."""
    try:
        with open(os.path.join(output_dir, MANIFEST), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items()}


def render(files: Mapping[str, str]) -> str:
    """The manifest text for these outputs (stable: same outputs, same bytes)."""
    data = {"version": VERSION, "tool": "tripleo-instanceha prepare",
            "files": {name: digest(text) for name, text in sorted(files.items())}}
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


@dataclass
class Conflict:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


def conflicts(output_dir: str, files: Mapping[str, str]) -> List[Conflict]:
    """Files prepare would overwrite that are not exactly what it wrote before."""
    recorded = read(output_dir)
    found: List[Conflict] = []
    for name, text in sorted(files.items()):
        path = os.path.join(output_dir, name)
        if not os.path.lexists(path):
            continue
        if os.path.islink(path) or not os.path.isfile(path):
            found.append(Conflict(name, "exists and is not a regular file"))
            continue
        try:
            current = _file_digest(path)
        except OSError as exc:
            found.append(Conflict(name, f"cannot be read ({exc.strerror})"))
            continue
        if current == digest(text):
            continue
        if name not in recorded:
            found.append(Conflict(name, "exists but was not written by prepare"))
        elif recorded[name] != current:
            found.append(Conflict(name, "was edited since prepare wrote it"))
    return found


def refuse(output_dir: str, found: List[Conflict]) -> OutputExistsError:
    listing = "; ".join(str(c) for c in found)
    return OutputExistsError(
        f"{output_dir}: refusing to overwrite {listing} (fix: keep your changes elsewhere, or "
        "pass --force to replace them)")
