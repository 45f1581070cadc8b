"""The THT tree our templates are checked against (the "target release").

Why: what is valid depends on the release our tree is laid onto: the HOT
versions its Heat accepts, the definition it gives a shared parameter, the
services of its Compute role. All of that is read from the tree itself, not
from a table that would go stale.
"""
from __future__ import annotations

import ast
import os
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.yamldoc import load as load_yaml

#: Newest HOT version per THT major version (Heat of that release), for trees
#: whose yaml-validate.py does not list its versions.
_MAX_BY_MAJOR = ((14, "wallaby"), (9, "rocky"), (8, "queens"), (0, "pike"))
#: Folders of a THT tree holding templates that declare parameters.
_TEMPLATE_DIRS = ("deployment", "puppet", "extraconfig", "network", "common", "environments")
_LIST_RE = re.compile(r"^valid_heat_template_versions\s*=\s*(\[[^\]]*\])", re.MULTILINE)
_REQUIRED_RE = re.compile(r"^required_params\s*=\s*(\[[^\]]*\])", re.MULTILINE)


class TargetTree:
    """A tripleo-heat-templates tree, read lazily."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    # -- release ---------------------------------------------------------
    @property
    def version(self) -> Optional[str]:
        """THT's version from the sdist's PKG-INFO (None for a git checkout)."""
        path = os.path.join(self.root, "PKG-INFO")
        try:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
        except OSError:
            return None
        return None

    def _validator_text(self) -> str:
        try:
            with open(os.path.join(self.root, "tools", "yaml-validate.py"),
                      encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            return ""

    @property
    def hot_versions(self) -> List[str]:
        """The heat_template_version values this release's own validator accepts."""
        match = _LIST_RE.search(self._validator_text())
        if match:
            try:
                return [hot.version_string(v) for v in ast.literal_eval(match.group(1))]
            except (ValueError, SyntaxError):
                pass
        newest = self.newest_hot_version
        return [newest] if newest else []

    @property
    def newest_hot_version(self) -> Optional[str]:
        """The newest HOT version this release's Heat knows."""
        version = self.version
        if version and version.split(".")[0].isdigit():
            major = int(version.split(".")[0])
            for floor, alias in _MAX_BY_MAJOR:
                if major >= floor:
                    return alias
        try:
            data = load_yaml(os.path.join(self.root, "overcloud.j2.yaml")).data
        except Exception:  # noqa: BLE001 - a tree without it is simply unknown
            return None
        return hot.version_string(data.get("heat_template_version")) if isinstance(
            data, dict) else None

    @property
    def required_params(self) -> Tuple[str, ...]:
        """Parameters every service template must declare in this release."""
        match = _REQUIRED_RE.search(self._validator_text())
        if match:
            try:
                return tuple(ast.literal_eval(match.group(1)))
            except (ValueError, SyntaxError):
                pass
        return hot.SERVICE_REQUIRED_PARAMS

    # -- content ---------------------------------------------------------
    def role_services(self, name: str) -> Optional[List[str]]:
        """ServicesDefault of roles/<name>.yaml in this release (None if absent)."""
        path = os.path.join(self.root, "roles", f"{name}.yaml")
        if not os.path.isfile(path):
            return None
        data = load_yaml(path).data
        if isinstance(data, list) and data:
            data = data[0]
        if not isinstance(data, dict):
            return None
        return [str(s) for s in data.get("ServicesDefault") or []]

    def parameter_definitions(self, names: Tuple[str, ...],
                              skip: Tuple[str, ...] = ()) -> Dict[str, List[Tuple[str, Any]]]:
        """Every definition of each parameter in `names` across the tree: name -> [(rel, def)].

        Only files whose text mentions one of the names are parsed, which keeps
        this well under a second on a 1,800-file tree.
        """
        return _definitions(self.root, tuple(sorted(set(names))), tuple(sorted(skip)))


@lru_cache(maxsize=16)
def _definitions(root: str, names: Tuple[str, ...],
                 skip: Tuple[str, ...]) -> Dict[str, List[Tuple[str, Any]]]:
    found: Dict[str, List[Tuple[str, Any]]] = {}
    if not names:
        return found
    patterns = [re.compile(rf"^  {re.escape(n)}:", re.MULTILINE) for n in names]
    for top in _TEMPLATE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for filename in sorted(filenames):
                if not filename.endswith(".yaml") or filename.endswith(".j2.yaml"):
                    continue
                path = os.path.join(dirpath, filename)
                rel = os.path.relpath(path, root)
                if rel in skip:
                    continue
                try:
                    with open(path, encoding="utf-8") as handle:
                        text = handle.read()
                except (OSError, UnicodeDecodeError):
                    continue
                if "heat_template_version" not in text or not any(
                        p.search(text) for p in patterns):
                    continue
                try:
                    data = load_yaml(path).data
                except Exception:  # noqa: BLE001 - THT's own broken files are not ours
                    continue
                params = hot.section(data, "parameters") if hot.is_heat_template(data) else {}
                for name in names:
                    if name in params:
                        found.setdefault(name, []).append((rel, params[name]))
    return found
