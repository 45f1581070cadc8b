"""The alert agent's file lays onto every supported THT release without replacing one of THT's.

The overlay copies our tree onto THT's 1:1 (tests/agent/test_placement.py says why that
needs a check); the agent lives in a folder no release has.
"""
import os

import pytest

from tripleo_instanceha import tht

from tests.agent.test_placement import VERSIONS

FOLDER = os.path.join("deployment", "pacemaker", "alerts")


@pytest.mark.parametrize("version", VERSIONS)
def test_no_tht_release_has_the_alerts_folder(version):
    tree = tht.fetch(version)
    assert os.path.isfile(os.path.join(tree, "overcloud.j2.yaml")), tree
    assert not os.path.exists(os.path.join(tree, FOLDER)), (version, FOLDER)
