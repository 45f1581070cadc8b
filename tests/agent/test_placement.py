"""The agents' files lay onto every supported THT release without replacing one of THT's files.

Why a check: the overlay copies our tree onto THT's 1:1, so a path that a
later THT release starts to ship would silently replace THT's file. The
agent lives under a folder THT does not have (deployment/pacemaker/ocf/), is
executable, and a shell script the controllers' bash can run.
"""
import os
import subprocess

import pytest

from tripleo_instanceha import tht

from .test_nova_evacuate import AGENT

#: Queens, Train, Wallaby, last master (tests/templates/conftest.py)
VERSIONS = ("8.4.1", "11.6.0", "14.3.0", "18.0.0")
#: the folders of the agents the project ships: the evacuation agent and the alert agent
FOLDERS = (os.path.join("deployment", "pacemaker", "ocf"),
           os.path.join("deployment", "pacemaker", "alerts"))


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("version", VERSIONS)
def test_no_tht_release_has_the_agents_folder(version, folder):
    tree = tht.fetch(version)
    assert os.path.isfile(os.path.join(tree, "overcloud.j2.yaml")), tree
    assert not os.path.exists(os.path.join(tree, folder)), (version, folder)


def test_agent_is_an_executable_bash_script():
    assert os.access(AGENT, os.X_OK)
    with open(AGENT) as f:
        assert f.readline().strip() == "#!/bin/bash"
    assert subprocess.run(["bash", "-n", AGENT]).returncode == 0
