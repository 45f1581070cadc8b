"""The tht helpers' edges: release names, bad trees, failed downloads."""
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


def test_a_release_that_does_not_exist_is_one_clear_error(tmp_path):
    with pytest.raises(tht.THTFetchError) as info:
        tht.fetch("0.0.1", cache=str(tmp_path))
    assert "tripleo-heat-templates 0.0.1" in str(info.value)
    assert "Traceback" not in str(info.value)
    assert not os.path.exists(os.path.join(tmp_path, "tht", "tripleo-heat-templates-0.0.1"))
    assert os.listdir(os.path.join(tmp_path, "tht")) == []


def test_render_failure_is_reported_with_the_tools_output(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text("- name: Controller\n  ServicesDefault: [\n")
    run = tht.render(tht.fetch("18.0.0"), str(roles), output_dir=str(tmp_path / "out"),
                     check=False)
    assert not run.ok and run.output
    with pytest.raises(tht.THTToolError, match="process-templates.py failed"):
        run.check("process-templates.py")
