"""The Nova half's judgement on plain data (what ``nova.read`` returns)."""
from tripleo_instanceha.nova.judge import judge

C0, C1 = "overcloud-novacomputeiha-0", "overcloud-novacomputeiha-1"


def svc(host, state="up", status="enabled", forced=False, reason=""):
    return {"host": f"{host}.localdomain", "binary": "nova-compute", "state": state,
            "status": status, "forced_down": forced, "disabled_reason": reason}


def data(services, migrations=(), servers=(), hypervisors=None):
    return {"services": services, "migrations": list(migrations), "servers": list(servers),
            "hypervisors": [s["host"] for s in services] if hypervisors is None
            else hypervisors}


ONLINE = {C0: {"remote": "online", "evacuate": None}, C1: {"remote": "online", "evacuate": None}}


def rules(report):
    return sorted((f.rule, f.subject.split(".")[0]) for f in report.findings)


def test_healthy_has_no_finding():
    assert rules(judge(data([svc(C0), svc(C1)]), ONLINE)) == []


def test_online_in_pacemaker_but_forced_down():
    report = judge(data([svc(C0, "down", "disabled", True, "fence_compute"), svc(C1)]), ONLINE)
    assert ("nova-forced-down", C0) in rules(report)
    assert "service set --up" in report.findings[0].fix


def test_fenced_with_evacuation_in_flight_is_not_a_finding():
    cluster = dict(ONLINE, **{C0: {"remote": "offline", "evacuate": "no"}})
    mig = {"instance_uuid": "u1", "source_compute": f"{C0}.localdomain",
           "dest_compute": f"{C1}.localdomain", "status": "done", "updated_at": ""}
    report = judge(data([svc(C0, "down", "disabled", True, "fence_compute"), svc(C1)],
                        [mig]), cluster)
    assert rules(report) == []
    assert report.computes[0].evacuations == {"done": 1}


def test_forced_down_without_pending_evacuation():
    cluster = dict(ONLINE, **{C0: {"remote": "offline", "evacuate": "no"}})
    report = judge(data([svc(C0, "down", "disabled", True), svc(C1)]), cluster)
    assert rules(report) == [("nova-forced-down", C0)]


def test_left_disabled_by_instance_ha_but_not_by_operator():
    report = judge(data([svc(C0, status="disabled", reason="fence_compute: evacuating"),
                         svc(C1, status="disabled", reason="operator: new disk")]), ONLINE)
    assert rules(report) == [("nova-left-disabled", C0)]


def test_failed_evacuations_and_error_servers_name_the_host():
    mig = {"instance_uuid": "u1", "source_compute": f"{C0}.localdomain", "dest_compute": "",
           "status": "error", "updated_at": ""}
    server = {"id": "u1", "name": "vm", "status": "ERROR", "host": f"{C0}.localdomain"}
    cluster = dict(ONLINE, **{C0: {"remote": "offline", "evacuate": "yes"}})
    report = judge(data([svc(C0, "down", "disabled", True), svc(C1)], [mig], [server]),
                   cluster)
    assert rules(report) == [("nova-evacuations", C0), ("nova-servers", "u1")]


def test_missing_service_and_hypervisor():
    report = judge(data([svc(C1)], hypervisors=[]), ONLINE)
    assert rules(report) == [("nova-hypervisor", C1), ("nova-service", C0)]


def test_nova_metrics_per_compute(healthy):
    """The Nova half in the textfile, read back by prometheus_client's own parser."""
    from prometheus_client.parser import text_string_to_metric_families

    from tripleo_instanceha.cluster import metrics, status
    from tripleo_instanceha.cluster.protection import Assessment

    d = data([svc(C0), svc(C1, state="down", status="disabled", forced=True)])
    d.update(flavors=[{"id": "f", "name": "plain", "evacuable": None}],
             images=[], images_first_page=[],
             instances=[{"id": f"s{n}", "name": f"vm{n}", "status": "ACTIVE",
                         "host": f"{C0}.localdomain", "flavor_id": "f", "image_id": ""}
                        for n in range(3)])
    report = judge(d, dict(ONLINE, **{C1: {"remote": "offline", "evacuate": "yes"}}))
    text = metrics.render(Assessment(status.read_file(healthy)), 0, report)
    found = {(s.name, tuple(sorted(s.labels.items()))): s.value
             for family in text_string_to_metric_families(text) for s in family.samples}
    assert found[("tripleo_instanceha_status_up", ())] == 1
    assert found[("tripleo_instanceha_nova_protected", ())] == 1
    assert found[("tripleo_instanceha_nova_service_up", (("node", C0),))] == 1
    assert found[("tripleo_instanceha_nova_service_up", (("node", C1),))] == 0
    assert found[("tripleo_instanceha_nova_service_forced_down", (("node", C1),))] == 1
    assert found[("tripleo_instanceha_nova_instances",
                  (("evacuable", "true"), ("node", C0)))] == 3
    assert found[("tripleo_instanceha_nova_instances",
                  (("evacuable", "false"), ("node", C0)))] == 0
