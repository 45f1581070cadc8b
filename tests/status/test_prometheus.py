"""`status --prometheus FILE`: a node_exporter textfile, parsed by prometheus_client itself."""
import os
import stat

from prometheus_client.parser import text_string_to_metric_families

from .conftest import COMPUTES, run_status, simulate


def samples(path):
    """{(name, frozenset(labels)): value} as prometheus_client's own parser reads the file."""
    found = {}
    with open(path, encoding="utf-8") as handle:
        for family in text_string_to_metric_families(handle.read()):
            for sample in family.samples:
                found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found, name, **labels):
    return found[("tripleo_instanceha_" + name, frozenset(labels.items()))]


def test_protected_cluster_metrics_mode_0644_and_nothing_left_behind(healthy, tmp_path):
    prom = tmp_path / "instanceha.prom"
    prom.write_text("stale content from the last run\n")
    code, _, err = run_status(["--cib", healthy, "--prometheus", str(prom)])
    assert code == 0, err
    assert stat.S_IMODE(prom.stat().st_mode) == 0o644
    assert os.listdir(tmp_path) == ["instanceha.prom"]  # no temporary file beside it
    found = samples(prom)
    assert all(name.startswith("tripleo_instanceha_") for name, _ in found)
    assert value(found, "status_up") == 1 and value(found, "protected") == 1
    assert value(found, "rule_passed", rule="stonith-devices") == 1
    # not checked from a file: absent, not 0 and not 1
    assert ("tripleo_instanceha_rule_passed", frozenset({("rule", "evacuations")})) \
        not in found
    assert not any(name == "tripleo_instanceha_evacuations_pending" for name, _ in found)
    for node in COMPUTES:
        assert value(found, "compute_online", node=node) == 1
        assert value(found, "compute_fencing_topology_complete", node=node) == 1
    assert value(found, "nova_evacuate_running") == 1


def test_degraded_cluster_metrics(healthy, tmp_path):
    from .test_cib_file import _host_of
    node = COMPUTES[0]
    lost = simulate(healthy, str(tmp_path / "lost.xml"),
                    [f"{node}_monitor_10000@{_host_of(healthy, node)}=7"])
    prom = tmp_path / "out.prom"
    code, _, err = run_status(["--cib", lost, "--prometheus", str(prom)])
    assert code == 1, err
    found = samples(prom)
    assert value(found, "protected") == 0
    assert value(found, "rule_passed", rule="compute-online") == 0
    assert value(found, "compute_online", node=node) == 0
    assert value(found, "compute_online", node=COMPUTES[1]) == 1


def test_could_not_run_says_so_in_the_file(tmp_path):
    prom = tmp_path / "out.prom"
    prom.write_text('tripleo_instanceha_protected 1\n')
    code, _, err = run_status(["--cib", str(tmp_path / "missing.xml"), "--prometheus",
                               str(prom)])
    assert code == 2 and "no such file" in err
    found = samples(prom)
    assert value(found, "status_up") == 0
    assert not any(name == "tripleo_instanceha_protected" for name, _ in found)


def test_unwritable_prometheus_path_is_exit_2_before_reading(healthy, tmp_path):
    code, out, err = run_status(["--cib", healthy, "--prometheus",
                                 str(tmp_path / "no" / "such" / "dir.prom")])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--prometheus" in err and "does not exist" in err
    code, _, err = run_status(["--cib", healthy, "--prometheus", str(tmp_path)])
    assert code == 2 and "is a directory" in err
