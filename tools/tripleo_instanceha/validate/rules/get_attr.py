"""get_attr must name a resource of the template and, for a nested template, one of its outputs.

Why: Heat accepts any attribute name on a template resource at validation
time (real-tools.md section 2), so `get_attr: [Service, role_dta]` is only
found when the stack is created.
"""
from __future__ import annotations

import os
from typing import Iterator

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "get-attr"
KIND = "template"
DESCRIPTION = "get_attr/get_resource name a defined resource; nested template attributes exist"
FIX = "correct the resource or attribute name, or add the output to the nested template"


def check(ctx: TemplateContext) -> Iterator[Finding]:
    for item in ctx.templates:
        resources = hot.section(item.data, "resources")
        for top in ("resources", "outputs", "conditions"):
            for name, argument, path in hot.functions(hot.section(item.data, top), (top,)):
                where = ".".join(map(str, path))
                line = item.line(*path)
                if name == "get_resource" and isinstance(argument, str) \
                        and argument not in resources:
                    yield error(ID, f"get_resource '{argument}' in {where}: no such resource",
                                item.path, line, FIX)
                if name != "get_attr" or not isinstance(argument, list) or len(argument) < 2:
                    continue
                res, attr = argument[0], argument[1]
                if not isinstance(res, str):
                    continue
                if res not in resources:
                    yield error(ID, f"get_attr on '{res}' in {where}: no such resource",
                                item.path, line, FIX)
                    continue
                if not isinstance(attr, str) or attr in hot.COMMON_ATTRS \
                        or attr.startswith("resource."):
                    continue
                body = resources[res]
                nested_path = ctx.resolve_type(item, body.get("type")) \
                    if isinstance(body, dict) else None
                if not nested_path:
                    continue
                nested = ctx.template_at(nested_path)
                if not hot.is_heat_template(nested):
                    continue
                outputs = hot.section(nested, "outputs")
                if attr not in outputs:
                    known = ", ".join(sorted(map(str, outputs))) or "none"
                    yield error(ID, f"get_attr [{res}, {attr}] in {where}: "
                                f"{os.path.basename(nested_path)} has no output '{attr}' "
                                f"(outputs: {known})", item.path, line, FIX)
