"""The tht helpers' edges: release names, bad trees, failed downloads."""
import importlib
import os

import pytest

from tripleo_instanceha import tht


def test_release_names_resolve_to_the_same_cached_tree():
    assert tht.fetch("master") == tht.fetch("18.0.0")
    assert os.path.isfile(os.path.join(tht.fetch("queens"), "tools", "yaml-validate.py"))


def test_overlay_refuses_a_tree_that_is_not_tht(tmp_path):
    with pytest.raises(tht.OverlayError, match="not a tripleo-heat-templates tree"):
        tht.overlay(str(tmp_path), str(tmp_path / "dest"))


def test_overlay_never_writes_into_an_existing_directory(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(tht.OverlayError, match="already exists"):
        tht.overlay(tht.fetch("18.0.0"), str(dest))
    assert list(dest.iterdir()) == []


def test_a_release_that_does_not_exist_is_one_clear_error(tmp_path, monkeypatch):
    # No index at all: pip answers as for a release the index lacks, offline and fast.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    with pytest.raises(tht.THTFetchError) as info:
        tht.fetch("0.0.1", cache=str(tmp_path))
    message = str(info.value)
    assert "tripleo-heat-templates 0.0.1" in message and "\n" not in message
    assert len(message) < 600 and "Traceback" not in message
    assert "8.4.1 (queens), 11.6.0 (train), 14.3.0 (wallaby), 18.0.0 (master)" in message
    log = os.path.join(tmp_path, "logs", "pip-download-tripleo-heat-templates-0.0.1.log")
    assert f"pip's output is in {log}" in message
    with open(log, encoding="utf-8") as handle:
        assert "No matching distribution" in handle.read()
    assert not os.path.exists(os.path.join(tmp_path, "tht", "tripleo-heat-templates-0.0.1"))
    assert os.listdir(os.path.join(tmp_path, "tht")) == []


@pytest.mark.parametrize("version", ["latest", "../../etc", "18.0.0; ls", "--index-url=x"])
def test_a_version_that_is_no_release_number_is_refused_before_pip(tmp_path, monkeypatch,
                                                                   version):
    fetch_module = importlib.import_module("tripleo_instanceha.tht.fetch")
    monkeypatch.setattr(fetch_module.subprocess, "run", None)  # pip never runs
    with pytest.raises(tht.THTFetchError) as info:
        tht.fetch(version, cache=str(tmp_path))
    assert "is neither a release number nor one of queens, train" in str(info.value)
    assert "18.0.0 (master)" in str(info.value)
    assert not os.path.exists(os.path.join(tmp_path, "tht"))


def test_prepare_with_an_unknown_release_prints_one_line_and_exits_2(tmp_path, monkeypatch,
                                                                     capsys):
    from tripleo_instanceha.cli.app import main
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("TRIPLEO_INSTANCEHA_CACHE", str(tmp_path / "cache"))
    nodes = tmp_path / "nodes.json"
    nodes.write_text('{"nodes": []}')
    code = main(["prepare", "--tht-release", "9.9.9", "--nodes", str(nodes),
                 "--output-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: --tht-release 9.9.9:")
    assert "Traceback" not in err and "pip download" not in err


def test_render_failure_is_reported_with_the_tools_output(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text("- name: Controller\n  ServicesDefault: [\n")
    run = tht.render(tht.fetch("18.0.0"), str(roles), output_dir=str(tmp_path / "out"),
                     check=False)
    assert not run.ok and run.output
    with pytest.raises(tht.THTToolError, match="process-templates.py failed"):
        run.check("process-templates.py")


def test_overlay_carries_the_files_templates_get_file(tmp_path):
    """The evacuation agent is not YAML: the lifecycle template reads it with get_file."""
    from tripleo_instanceha.paths import template_tree
    rel = os.path.join("deployment", "pacemaker", "ocf", "tripleo-instanceha", "NovaEvacuate")
    laid = tht.overlay(tht.fetch("18.0.0"), str(tmp_path / "tree"))
    with open(os.path.join(laid, rel), "rb") as got, \
            open(os.path.join(template_tree(), rel), "rb") as want:
        assert got.read() == want.read()
    assert os.access(os.path.join(laid, rel), os.X_OK)


def test_prepares_output_templates_carry_the_agent_too():
    """prepare's instance-ha-templates/ is deployed as is: get_file must find the agent there."""
    from tripleo_instanceha.paths import template_tree
    from tripleo_instanceha.prepare import templates as prepared
    rel = os.path.join("deployment", "pacemaker", "ocf", "tripleo-instanceha", "NovaEvacuate")
    files = prepared.adapted_templates(tht.fetch("18.0.0"))
    with open(os.path.join(template_tree(), rel), encoding="utf-8") as handle:
        assert files[os.path.join(prepared.SUBDIR, rel)] == handle.read()
