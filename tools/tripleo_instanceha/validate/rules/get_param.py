"""get_param in resources and outputs must name a declared parameter.

Why: Heat resolves outputs lazily and only checks resource types inside
nested templates, so an undeclared get_param in a service's role_data passes
every validator and breaks the deploy (or silently yields null).
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "get-param"
KIND = "template"
DESCRIPTION = "get_param in resources and outputs names a declared parameter"
FIX = "declare the parameter under 'parameters:' or correct its name"


def check(ctx: TemplateContext) -> Iterator[Finding]:
    for item in ctx.templates:
        declared = hot.declared_parameters(item.data)
        for top in ("resources", "outputs"):
            for name, argument, path in hot.functions(hot.section(item.data, top), (top,)):
                if name != "get_param":
                    continue
                param = hot.get_param_name(argument)
                if param and param not in declared and param not in hot.PSEUDO_PARAMS:
                    yield error(ID, f"get_param '{param}' in {'.'.join(map(str, path))}: "
                                f"no such parameter is declared", item.path,
                                item.line(*path), FIX)
