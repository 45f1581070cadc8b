"""Environment files: known sections, and resource_registry paths that exist.

Why: Heat resolves registry paths relative to the environment file; a path
that only works from another directory fails at deploy time with "Could not
fetch remote template".
"""
from __future__ import annotations

import os
from typing import Iterator

from tripleo_instanceha.plan.environment import ENV_SECTIONS
from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "env-file"
KIND = "template"
DESCRIPTION = "environment files have only Heat's sections and registry paths that exist"
FIX = "fix the section name, or the path (relative to the environment file)"


def check(ctx: TemplateContext) -> Iterator[Finding]:
    for item in ctx.environments:
        for key in item.data:
            if key not in ENV_SECTIONS:
                yield error(ID, f"unknown environment section '{key}'", item.path,
                            item.line(key), FIX)
        registry = item.data.get("resource_registry")
        if registry is None:
            continue
        if not isinstance(registry, dict):
            yield error(ID, "resource_registry must be a mapping", item.path,
                        item.line("resource_registry"), FIX)
            continue
        base = os.path.dirname(item.path)
        for rtype, value in registry.items():
            if not isinstance(value, str) or not value.endswith((".yaml", ".template")):
                continue
            path = os.path.normpath(os.path.join(base, value))
            if ctx.target_path(path):
                continue
            if ctx.target:
                yield error(ID, f"{rtype} maps to {value}, which is neither in this tree nor in "
                            "the target THT tree", item.path,
                            item.line("resource_registry", rtype), FIX)
            else:  # may be a THT file: only a target tree can tell
                yield warning(ID, f"{rtype} maps to {value}, which is not in this tree (it must "
                              "be in the THT tree this one is laid onto)", item.path,
                              item.line("resource_registry", rtype),
                              "check with --templates THT_DIR")
