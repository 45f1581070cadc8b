"""The README's first command: `tripleo-instanceha demo` through the installed console script."""
import os
import shutil
import subprocess
import sys

from tripleo_instanceha.prepare import command


def test_demo_prepares_the_bundled_example(tmp_path):
    script = shutil.which("tripleo-instanceha", path=os.path.dirname(sys.executable))
    out = tmp_path / "demo"
    proc = subprocess.run([script, "demo", "--output-dir", str(out)], capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = proc.stdout
    assert "Roles: Controller 3, Compute 1, ComputeInstanceHA 2" in text
    assert "Rehearsal (crm_simulate): every failure recovers" in text
    assert "PASS compute-returns" in text
    assert "Heat engine: the composed overcloud validates" in text
    assert "failure -> first evacuate call" in text
    assert "example-bmc-password" not in text + proc.stderr
    block = text.split("Deploy with:\n", 1)[1].split("For your own cloud:", 1)[0]
    deploy = block.replace("\\\n", " ").split()
    assert deploy[:3] == ["openstack", "overcloud", "deploy"]
    assert all(os.path.isfile(path) for path in command.env_files_of(deploy))
    again = subprocess.run([script, "demo", "--output-dir", str(out), "--skip-heat-check"],
                           capture_output=True, text=True, timeout=600, check=False)
    assert again.returncode == 0 and "none changed" in again.stdout
