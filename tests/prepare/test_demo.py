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


HIDE_HEAT = ("import sys; sys.modules['heat'] = None; "
             "from tripleo_instanceha.cli.app import main; sys.exit(main(sys.argv[1:]))")


def test_without_heat_the_demo_still_runs_and_prepare_refuses(tmp_path):
    """A machine with only requirements.txt installed (tools/demo.sh's profile) has no Heat."""
    demo = subprocess.run([sys.executable, "-c", HIDE_HEAT, "demo", "--output-dir",
                           str(tmp_path / "demo")], capture_output=True, text=True,
                          timeout=600, check=False)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Heat engine: not run: openstack-heat is not installed" in demo.stdout
    out = tmp_path / "out"
    prepare = subprocess.run([sys.executable, "-c", HIDE_HEAT, "prepare", "--tht-release",
                              "18.0.0", "--nodes", str(tmp_path / "demo" / "missing.json"),
                              "--output-dir", str(out)], capture_output=True, text=True,
                             timeout=600, check=False)
    assert prepare.returncode == 2
    assert prepare.stderr.strip() == ("error: openstack-heat is not installed (fix: pip install "
                                      "openstack-heat python-heatclient, or pass "
                                      "--skip-heat-check)")
    assert not out.exists()
