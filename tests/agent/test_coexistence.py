"""Our evacuation agent next to puppet-tripleo's nova-evacuate, judged by each stack's tools.

What doc/source/evacuation-agent.rst decides: puppet's ``nova-evacuate`` is
left exactly as puppet creates it, and two constraints of ours (a -INFINITY
location on every node, an order "stop nova-evacuate, then start ours") keep
it stopped while our resource runs. The test replays what puppet-pacemaker
does on a re-run with deep_compare on (THT sets
``pacemaker::resource::ocf::deep_compare: true`` from Train on): it runs
``pcs resource update`` on a copy of the CIB and asks ``crm_diff`` whether
anything under ``@id='nova-evacuate'`` changed (openstack-archive/
puppet-pacemaker ``lib/puppet/provider/pcmk_resource/default.rb``
resource_exists? and ``pcmk_common.rb`` pcmk_resource_has_changed? /
pcmk_restart_resource_ng?). ``--force`` is added only because the judge
roots have no NovaEvacuate metadata (the controllers have it).
"""
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

OURS = "nova-evacuate-iha"
KEEP_OFF = "tripleo-instanceha-stock-evacuate-off"
STOP_FIRST = "tripleo-instanceha-stock-evacuate-first"
#: instance_ha.pp's resource_params for nova-evacuate
PUPPET_PARAMS = ["auth_url=http://192.0.2.5:5000", "username=admin", "password=pw-one",
                 "user_domain=Default", "project_domain=Default", "tenant_name=admin",
                 "region_name=regionOne", "no_shared_storage=true"]
SEED = """<cib crm_feature_set="{fs}" validate-with="{schema}" epoch="1" num_updates="0"
 admin_epoch="0"><configuration><crm_config><cluster_property_set id="opts">
<nvpair id="opts-se" name="stonith-enabled" value="false"/>
<nvpair id="opts-nq" name="no-quorum-policy" value="ignore"/>
</cluster_property_set></crm_config><nodes><node id="1" uname="ctrl-0"/></nodes>
<resources/><constraints/></configuration><status/></cib>
"""
KEEP_OFF_XML = (
    '<rsc_location id="{0}" rsc="nova-evacuate"><rule id="{0}-rule" score="-INFINITY">'
    '<expression id="{0}-expr" attribute="#uname" operation="defined"/></rule>'
    '</rsc_location>'.format(KEEP_OFF))
STOP_FIRST_XML = (
    '<rsc_order id="%s" first="nova-evacuate" first-action="stop" then="%s" '
    'then-action="start" kind="Mandatory" symmetrical="false"/>' % (STOP_FIRST, OURS))


def run(*cmd, cib=None):
    env = dict(os.environ, CIB_file=cib) if cib else None
    done = subprocess.run(list(cmd), capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, (cmd, done.stdout, done.stderr)
    return done.stdout


def puppet_sees_a_change(cib: str, params) -> bool:
    """puppet-pacemaker's deep compare of nova-evacuate against this CIB."""
    copy = cib + ".deep"
    shutil.copy(cib, copy)
    run("pcs", "-f", copy, "--force", "resource", "update", "nova-evacuate",
        "ocf:openstack:NovaEvacuate", *params)
    diff = subprocess.run(["crm_diff", "--cib", "-o", cib, "-n", copy], capture_output=True,
                          text=True, timeout=60)
    assert diff.returncode in (0, 1), diff.stderr
    if diff.returncode == 0:
        return False
    return any(change.get("operation") not in (None, "move")
               and "@id='nova-evacuate'" in change.get("path", "")
               for change in ET.fromstring(diff.stdout).iter("change"))


def transition(cib: str, tmp_path, name: str, *extra) -> dict:
    """The scheduler's next transition (action key -> the keys it waits for), run."""
    graph = str(tmp_path / (name + ".graph.xml"))
    after = str(tmp_path / (name + ".after.xml"))
    run("crm_simulate", "-x", cib, "-S", "-G", graph, "-O", after, *extra)
    actions = {}
    for synapse in ET.parse(graph).getroot().iter("synapse"):
        action = synapse.find("action_set")[0]
        actions[action.get("operation_key")] = {
            needed.get("operation_key") for trigger in synapse.iter("trigger")
            for needed in trigger}
    return {"actions": actions, "after": after}


def test_puppet_rerun_leaves_our_hold_and_the_scheduler_never_runs_both(
        on_cluster_stack, tmp_path):
    """puppet-tripleo instance_ha.pp creates nova-evacuate; our two constraints keep it stopped.

    1. puppet's create path (pcmk_resource create_resource_and_location: create
       --disabled, location rule, enable) and a first transition: it runs.
    2. the lifecycle adds ours and the two constraints: the next transition
       stops nova-evacuate and starts ours only after that stop.
    3. a puppet re-run with the same parameters sees no change (nothing to
       push); with a rotated password it updates nova-evacuate in place and our
       constraints and resource are still there.
    4. the disable path removes ours and the constraints: nova-evacuate starts.
    """
    product = on_cluster_stack.product
    cib = str(tmp_path / "cib.xml")
    with open(cib, "w") as f:
        f.write(SEED.format(fs=product.feature_set, schema=product.schema))
    run("pcs", "-f", cib, "--force", "resource", "create", "nova-evacuate",
        "ocf:openstack:NovaEvacuate", *PUPPET_PARAMS, "--disabled")
    run("pcs", "-f", cib, "constraint", "location", "nova-evacuate", "rule",
        "resource-discovery=never", "score=-INFINITY", "compute-instanceha-role", "eq", "true")
    run("pcs", "-f", cib, "resource", "enable", "nova-evacuate")
    first = transition(cib, tmp_path, "first", "-u", "ctrl-0")
    assert "nova-evacuate_start_0" in first["actions"], first["actions"]
    cib = first["after"]

    run("pcs", "-f", cib, "--force", "resource", "create", OURS,
        "ocf:tripleo-instanceha:NovaEvacuate", *PUPPET_PARAMS)
    run("cibadmin", "--create", "-o", "constraints", "-X", KEEP_OFF_XML, cib=cib)
    run("cibadmin", "--create", "-o", "constraints", "-X", STOP_FIRST_XML, cib=cib)
    swapped = transition(cib, tmp_path, "swap")
    swap = swapped["actions"]
    cib = swapped["after"]
    assert "nova-evacuate_stop_0" in swap, swap
    assert "nova-evacuate_stop_0" in swap[OURS + "_start_0"], swap
    assert not any(k.startswith("nova-evacuate_start") for k in swap), swap

    assert not puppet_sees_a_change(cib, PUPPET_PARAMS)
    rotated = [p if not p.startswith("password=") else "password=pw-two" for p in PUPPET_PARAMS]
    assert puppet_sees_a_change(cib, rotated)
    run("pcs", "-f", cib, "--force", "resource", "update", "nova-evacuate",
        "ocf:openstack:NovaEvacuate", *rotated)
    conf = ET.parse(cib).getroot().find("configuration")
    assert conf.find(".//nvpair[@name='password'][@value='pw-two']") is not None
    assert conf.find("constraints/rsc_location[@id='%s']" % KEEP_OFF) is not None
    assert conf.find("constraints/rsc_order[@id='%s']" % STOP_FIRST) is not None
    assert conf.find("resources/primitive[@id='%s']" % OURS) is not None
    # puppet's own check that its location exists greps for location-nova-evacuate
    assert "location-nova-evacuate" not in KEEP_OFF + STOP_FIRST

    run("pcs", "-f", cib, "--force", "resource", "delete", OURS)
    for kind, cid in (("rsc_location", KEEP_OFF), ("rsc_order", STOP_FIRST)):
        subprocess.run(["cibadmin", "--delete", "-o", "constraints", "-X",
                        '<%s id="%s"/>' % (kind, cid)],
                       env=dict(os.environ, CIB_file=cib), capture_output=True, timeout=60)
    conf = ET.parse(cib).getroot().find("configuration")
    assert conf.find("constraints/*[@id='%s']" % STOP_FIRST) is None
    assert conf.find("constraints/*[@id='%s']" % KEEP_OFF) is None
    back = transition(cib, tmp_path, "back")["actions"]
    assert "nova-evacuate_start_0" in back, back
