"""A pip install ships the template tree and the bundled example, not just the code."""
import os
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_wheel_carries_templates_example_and_entry_points(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), ROOT], check=True, capture_output=True)
    wheel = next(p for p in os.listdir(tmp_path) if p.endswith(".whl"))
    names = zipfile.ZipFile(tmp_path / wheel).namelist()
    data = "tripleo_instanceha-0.1.0.data/data/share/tripleo-instanceha/"
    for path in ("environments/instance-ha.yaml",
                 "deployment/pacemaker/compute-instanceha-baremetal-puppet.yaml",
                 "deployment/pacemaker/compute-instanceha-lifecycle.yaml",
                 "puppet/services/pacemaker/compute-instanceha.yaml",
                 "roles/ComputeInstanceHA.yaml"):
        assert data + path in names, path
    assert "tripleo_instanceha/data/example/instackenv.json" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(tmp_path / wheel).read(entry_points).decode()
    assert "overcloud_instance-ha_fencing_generate" in text
    assert "tripleo-instanceha = tripleo_instanceha.cli.app:main" in text
