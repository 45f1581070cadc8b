"""A parameter declared in several templates must be defined identically everywhere.

Why: Heat merges parameter_defaults into every template that declares the
name, and THT's gate requires one definition per name across the tree. A
definition of EnableInstanceHA that differs from the target release's
(description, type, default) fails that gate once laid onto THT.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Dict, Iterator, List, Tuple

import yaml

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "shared-parameter"
KIND = "template"
DESCRIPTION = "a parameter shared between templates (ours and the target THT's) has one " \
    "identical definition"
FIX = "copy the definition (type, default, description) from the file named in the message"


def _canonical(definition: Any) -> str:
    return yaml.safe_dump(definition, sort_keys=True, default_flow_style=True, width=10**6)


def _diff(ours: Any, theirs: Any) -> str:
    if not isinstance(ours, dict) or not isinstance(theirs, dict):
        return "definition"
    keys = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
    return ", ".join(map(str, keys)) or "definition"


def check(ctx: TemplateContext) -> Iterator[Finding]:
    ours: Dict[str, List[Tuple[Any, Any]]] = {}
    for item in ctx.templates:
        for name, definition in hot.section(item.data, "parameters").items():
            ours.setdefault(str(name), []).append((item, definition))
    theirs: Dict[str, List[Tuple[str, Any]]] = {}
    if ctx.target:
        skip = tuple(item.rel for item in ctx.files) if ctx.target.root == ctx.root else ()
        names = tuple(n for n in ours if n not in hot.SERVICE_REQUIRED_PARAMS
                      and n not in ctx.target.required_params)
        theirs = ctx.target.parameter_definitions(names, skip)
    for name, uses in sorted(ours.items()):
        if name in theirs:
            counts = Counter(_canonical(d) for _, d in theirs[name])
            reference_text = counts.most_common(1)[0][0]
            ref_rel, ref_def = next((r, d) for r, d in theirs[name]
                                    if _canonical(d) == reference_text)
            accepted = set(counts)
            for item, definition in uses:
                if _canonical(definition) not in accepted:
                    yield error(ID, f"parameter {name} differs from the target's definition in "
                                f"{ref_rel} ({_diff(definition, ref_def)})", item.path,
                                item.line("parameters", name), FIX)
            continue
        if len(uses) < 2:
            continue
        first_item, first_def = uses[0]
        for item, definition in uses[1:]:
            if _canonical(definition) != _canonical(first_def):
                yield error(ID, f"parameter {name} is defined differently in {first_item.rel} "
                            f"({_diff(definition, first_def)})", item.path,
                            item.line("parameters", name), FIX)
