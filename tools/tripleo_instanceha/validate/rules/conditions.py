"""Conditions must reference declared parameters, and uses must name defined conditions.

Why: a condition on an undeclared parameter or a misspelled condition name
makes the whole template invalid, but only once Heat evaluates it.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "conditions"
KIND = "template"
DESCRIPTION = "conditions reference declared parameters; 'condition:' and 'if' name defined ones"
FIX = "declare the parameter, or define the condition under 'conditions:'"


def _where(path: tuple) -> str:
    return ".".join(map(str, path))


def check(ctx: TemplateContext) -> Iterator[Finding]:
    for item in ctx.templates:
        data = item.data
        declared = hot.declared_parameters(data)
        conditions = hot.section(data, "conditions")
        defined = {str(c) for c in conditions}
        for name, argument, path in hot.functions(conditions, ("conditions",)):
            if name == "get_param":
                param = hot.get_param_name(argument)
                if param and param not in declared and param not in hot.PSEUDO_PARAMS:
                    yield error(ID, f"condition {path[1]} uses get_param '{param}', which is "
                                "not declared", item.path, item.line(*path), FIX)
            elif name == "condition" and isinstance(argument, str) and argument not in defined:
                yield error(ID, f"condition {path[1]} refers to undefined condition "
                            f"'{argument}'", item.path, item.line(*path), FIX)
        for top in ("resources", "outputs"):
            for key, body in hot.section(data, top).items():
                if isinstance(body, dict) and isinstance(body.get("condition"), str) \
                        and body["condition"] not in defined:
                    yield error(ID, f"{top}.{key} has condition '{body['condition']}', which is "
                                "not defined", item.path, item.line(top, key, "condition"), FIX)
            for name, argument, path in hot.functions(hot.section(data, top), (top,)):
                if name == "if" and isinstance(argument, list) and argument \
                        and isinstance(argument[0], str) and argument[0] not in defined:
                    yield error(ID, f"'if' in {_where(path)} names undefined condition "
                                f"'{argument[0]}'", item.path, item.line(*path), FIX)
