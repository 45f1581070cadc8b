"""A declared parameter nothing uses is dead: operators set it and nothing happens.

Why: an operator reading the template believes the knob works. THT's
required service parameters are exempt, since the service chain passes them.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, warning

ID = "unused-parameter"
KIND = "template"
DESCRIPTION = "every declared parameter is used (THT's required service parameters exempt)"
FIX = "use the parameter (get_param) or remove it"


def check(ctx: TemplateContext) -> Iterator[Finding]:
    exempt = set(hot.SERVICE_REQUIRED_PARAMS)
    if ctx.target:
        exempt.update(ctx.target.required_params)
    for item in ctx.templates:
        used = hot.referenced_parameters(item.data)
        for name in hot.section(item.data, "parameters"):
            if str(name) not in used and str(name) not in exempt:
                yield warning(ID, f"parameter {name} is declared but never used", item.path,
                              item.line("parameters", name), FIX)
