"""Fixtures for validate: small trees written on the fly, and real THT releases."""
import os
import textwrap

import pytest

from tripleo_instanceha import tht
from tripleo_instanceha.validate import linter
from tripleo_instanceha.validate.context import TemplateContext

RELEASES = ("8.4.1", "11.6.0", "14.3.0", "18.0.0")


def write_tree(base, files):
    """Write {relative path: text} under `base`; return its path as a string."""
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(base)


def run_rule(module, root, target=None, engine=True):
    """Findings of one template rule over the tree at `root`."""
    ctx = TemplateContext.build(root, target=target, engine=engine)
    return linter.run_rules(ctx, [module], engine=engine)


@pytest.fixture(scope="session")
def tht_tree():
    """tht_tree(version) -> the extracted real THT sdist (downloaded once into .cache)."""
    def get(version):
        return tht.fetch(version)
    return get


@pytest.fixture
def example_dir(root):
    return os.path.join(root, "tools", "tripleo_instanceha", "data", "example")
