"""heat_template_version must be one the target release's Heat (and THT gate) accepts.

Why: a template newer than the release's Heat fails at `overcloud deploy`
time with InvalidTemplateVersion; THT's own gate additionally wants the
release's current alias only.
"""
from __future__ import annotations

from typing import Iterator

from tripleo_instanceha.validate import hot
from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error

ID = "hot-version"
KIND = "template"
DESCRIPTION = "heat_template_version valid for the target release"
FIX = "use the release's alias (queens for 8.x, rocky for 9.x-13.x, wallaby for 14.x and later)"

#: Our tree ships for the newest release; overlaying adapts it to older ones.
DEFAULT_VERSIONS = ("wallaby",)


def check(ctx: TemplateContext) -> Iterator[Finding]:
    allowed = list(ctx.target.hot_versions) if ctx.target else list(DEFAULT_VERSIONS)
    release = f"THT {ctx.target.version or ctx.target.root}" if ctx.target else "the newest release"
    for item in ctx.templates:
        value = hot.version_string(item.data.get("heat_template_version"))
        line = item.line("heat_template_version")
        if hot.version_date(value) is None:
            yield error(ID, f"heat_template_version '{value}' is not a HOT version Heat knows",
                        item.path, line, FIX)
        elif allowed and value not in allowed:
            yield error(ID, f"heat_template_version '{value}' is not accepted for {release} "
                        f"(accepted: {', '.join(allowed)})", item.path, line,
                        f"set heat_template_version: {allowed[-1]}, or lay the tree onto the "
                        "release with 'tripleo-instanceha prepare', which adapts it")
