"""Nova that cannot be read: exit 2, one message, no traceback, no password."""
import os

from .conftest import run_status


def test_unknown_cloud_exits_2_with_one_message(tmp_path, monkeypatch):
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  overcloud:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n"
                      "      username: admin\n      password: s3cr3t-pw\n")
    os.chmod(clouds, 0o600)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    code, out, err = run_status(["--os-cloud", "nosuch", "--cib", "/nonexistent"])
    assert code == 2
    assert "--os-cloud nosuch" in err and "fix:" in err
    assert "Traceback" not in err + out and "s3cr3t-pw" not in err + out


def test_unreachable_keystone_exits_2(tmp_path, monkeypatch):
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  overcloud:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n"
                      "      username: admin\n      password: s3cr3t-pw\n"
                      "      project_name: admin\n      user_domain_name: Default\n"
                      "      project_domain_name: Default\n")
    os.chmod(clouds, 0o600)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    prom = tmp_path / "out.prom"
    prom.write_text("tripleo_instanceha_protected 1\n")  # the last good run's
    code, out, err = run_status(["--os-cloud", "overcloud", "--cib", "/nonexistent",
                                 "--prometheus", str(prom)])
    assert code == 2, (out, err)
    assert "could not be read" in err and "fix:" in err
    assert "Traceback" not in err + out and "s3cr3t-pw" not in err + out
    # the textfile says the check could not run, rather than keeping "protected"
    text = prom.read_text()
    assert "tripleo_instanceha_status_up 0.0" in text and "_protected" not in text, text
