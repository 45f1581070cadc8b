"""Imports point down.

cli -> prepare/drill -> validate/cluster/fencing/nova -> plan/inventory/tht -> yamlio/errors.

Why a test: an upward import (a rule reaching into prepare, prepare into the
CLI) makes a lower layer need a higher one, so the layers can no longer be
reused or tested alone. Every import is read from the source with ``ast``,
function-level (lazy) imports included, since they are arrows all the same.
"""
import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "tools", "tripleo_instanceha")

#: Rank of each top-level module or subpackage of tripleo_instanceha: a module
#: may import its own rank or a higher number, never a lower one.
LAYERS = {
    # the edge: commands and the program
    "cli": 0, "__main__": 0,
    # orchestration over the checks; the bundled example plan the commands share
    "prepare": 1, "example": 1, "drill": 1,
    # the checks
    "validate": 2, "cluster": 2, "fencing": 2, "nova": 2,
    # the plan and what it is read from, THT and Heat's engine
    "plan": 3, "inventory": 3, "tht": 3, "heat_engine": 3,
    # shared mechanisms with no knowledge of the others
    "yamlio": 4, "errors": 4, "fileio": 4, "paths": 4, "interrupts": 4, "formatters": 4,
    "__init__": 4,
}


def _modules():
    for folder, _dirs, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3]
                yield path, rel.replace(os.sep, ".").removesuffix(".__init__")


def _layer(module):
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "__init__"
    assert key in LAYERS, f"{module}: not in LAYERS (fix: give it a layer in {__file__})"
    return LAYERS[key]


def _imports(path, module):
    """Every tripleo_instanceha module *path* imports, as (line, module imported)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from pkg import name` imports pkg.name when that is a module, else pkg
                yield node.lineno, f"{base}.{alias.name}" if _is_module(base, alias.name) \
                    else base


def _is_module(base, name):
    rel = os.path.join(os.path.dirname(PACKAGE), *base.split("."), name)
    return os.path.isfile(rel + ".py") or os.path.isdir(rel)


def upward_arrows():
    found = []
    for path, module in _modules():
        for line, target in _imports(path, module):
            # the package itself (its version) is no arrow; other libraries are not ours
            if not target.startswith("tripleo_instanceha."):
                continue
            if _layer(target) < _layer(module):
                found.append((module, target, line))
    return found


def test_imports_point_down():
    arrows = upward_arrows()
    assert not arrows, "upward imports (fix: move what is imported down a layer):\n" + "\n".join(
        f"  {src} (line {line}) -> {dst}" for src, dst, line in arrows)


@pytest.mark.parametrize("source, expected", [
    ("from tripleo_instanceha.cli.base import Result\n", "tripleo_instanceha.cli.base"),
    ("from tripleo_instanceha.cli import base\n", "tripleo_instanceha.cli.base"),
    ("def f():\n    import tripleo_instanceha.prepare.checks\n",
     "tripleo_instanceha.prepare.checks"),
    ("from ..prepare import checks\n", "tripleo_instanceha.prepare.checks"),
])
def test_the_reader_sees_every_spelling_of_an_import(tmp_path, source, expected):
    path = tmp_path / "tht_module.py"
    path.write_text(source)
    targets = [t for _, t in _imports(str(path), "tripleo_instanceha.tht.tht_module")]
    assert targets == [expected]
