"""yamllint with THT's style: what THT's own gate would reject before Heat ever runs."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Iterator

from tripleo_instanceha.validate.context import TemplateContext
from tripleo_instanceha.validate.findings import Finding, error, warning

ID = "yamllint"
KIND = "template"
DESCRIPTION = "YAML style and syntax (yamllint, THT-style configuration from .yamllint)"
FIX = "correct the line as yamllint says (indentation, trailing spaces, truthy values...)"

#: The same relaxations the repository's .yamllint makes (THT files have long lines).
DEFAULT_CONFIG = """\
extends: default
rules:
  line-length: disable
  document-start: disable
  truthy:
    allowed-values: ['true', 'false', 'True', 'False']
    check-keys: false
  comments:
    min-spaces-from-content: 1
  indentation:
    spaces: consistent
    indent-sequences: whatever
"""


@lru_cache(maxsize=4)
def _config(root: str):
    from yamllint.config import YamlLintConfig
    path = os.path.join(root, ".yamllint")
    if os.path.isfile(path):
        return YamlLintConfig(file=path)
    return YamlLintConfig(content=DEFAULT_CONFIG)


def check(ctx: TemplateContext) -> Iterator[Finding]:
    from yamllint import linter
    from tripleo_instanceha.paths import source_root
    root = source_root() or ctx.root
    conf = _config(root)
    for item in ctx.files:
        if item.doc is None:
            continue
        for problem in linter.run(item.doc.text, conf, item.path):
            make = error if problem.level == "error" else warning
            yield make(ID, f"{problem.desc} ({problem.rule or 'syntax'})", item.path,
                       problem.line, FIX)
