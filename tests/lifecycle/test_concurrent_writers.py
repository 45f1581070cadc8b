"""R2-1 on both cluster stacks: 25 computes enter and leave maintenance at the same moment.

THT's ComputeInstanceHA role has ``update_serial: 25`` and Ansible's linear
strategy runs each task on every host of the batch before the next task, so
every CIB-writing task of the lifecycle template runs for 25 computes at once,
all delegated to one controller. A whole-CIB read-modify-write
(``pcs resource meta``) exits 0 there yet loses most of the writes; the
template's tasks must not. Judged by a live CIB manager of each stack
(tests/live_cib.py), not a CIB file: the race is in the manager.
"""
from concurrent.futures import ThreadPoolExecutor
import xml.etree.ElementTree as ET

import pytest

from tests import live_cib
from tests.lifecycle import writers

#: THT's update_serial for the ComputeInstanceHA role
WRITERS = 25
NAMES = ["iha-writer-%d" % i for i in range(WRITERS)]
MARKER = writers.VARIABLES["tripleo_instanceha_marker"]


@pytest.fixture
def node(on_cluster_stack, tmp_path):
    """A live one-node cluster on the test's stack, with 25 stopped remote connections."""
    product = on_cluster_stack.product
    live = live_cib.LiveNode(str(tmp_path / "node"), on_cluster_stack.root,
                             feature_set=product.feature_set, schema=product.schema)
    try:
        live.start()
        version = live.run("crm_attribute --version").stdout.split()
        assert version[:2] == ["Pacemaker", product.pacemaker], version
        prims = "".join(
            '<primitive id="{0}" class="ocf" provider="pacemaker" type="remote">'
            '<instance_attributes id="{0}-ia"><nvpair id="{0}-server" name="server" '
            'value="192.0.2.{1}"/></instance_attributes><meta_attributes id="{0}-meta">'
            '<nvpair id="{0}-target-role" name="target-role" value="Stopped"/>'
            '</meta_attributes></primitive>'.format(n, 100 + i) for i, n in enumerate(NAMES))
        created = live.run("cibadmin --create -o resources -X '<resources>%s</resources>'"
                           % prims)
        assert created.returncode == 0, created.stderr
        yield live
    finally:
        killed = live.stop()
    assert not killed, "processes of the node outlived its stop: %s" % killed


def state(node) -> dict:
    """How many connections have maintenance=true, and how many nodes carry our marker."""
    conf = ET.fromstring(node.run("cibadmin --query --scope configuration").stdout)
    maintenance = marked = 0
    for name in NAMES:
        pair = conf.find(".//primitive[@id='%s']/meta_attributes/nvpair[@name='maintenance']"
                         % name)
        maintenance += pair is not None and pair.get("value") == "true"
        mark = conf.find(".//nodes/node[@uname='%s']//nvpair[@name='%s']" % (name, MARKER))
        marked += mark is not None and mark.get("value") == "true"
    return {"maintenance": maintenance, "marked": marked}


def test_25_computes_enter_and_leave_maintenance_at_once(node):
    phases = writers.phases()
    assert len(phases) >= 2, phases
    failures, seen = [], []
    for where, tasks in phases:
        for task in tasks:
            lines = {n: writers.render(task, n) for n in NAMES}
            with ThreadPoolExecutor(WRITERS) as pool:
                runs = dict(zip(NAMES, pool.map(lambda n: node.run(lines[n], timeout=300),
                                                NAMES)))
            failures += [(task["name"], n, r.returncode, (r.stdout + r.stderr)[-200:])
                         for n, r in runs.items() if r.returncode != 0]
        seen.append((where, state(node)))
    assert not failures, failures
    # the first writing step enters maintenance on all 25, the last leaves it on all 25
    assert seen[0][1] == {"maintenance": WRITERS, "marked": WRITERS}, seen
    assert seen[-1][1] == {"maintenance": 0, "marked": 0}, seen
