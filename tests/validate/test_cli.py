"""`tripleo-instanceha validate` end to end: exit codes, formats, and a corpus of broken plans."""
import contextlib
import io
import json
import pytest
import yaml

from tripleo_instanceha.cli import app
from tripleo_instanceha.formatters.findings import display_path
from tests.validate.planbuild import PlanFiles


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = app.main(["validate", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def plan(tmp_path, tht_tree):
    return PlanFiles(tmp_path, tht_tree("18.0.0"))


def plan_args(files):
    roles, envs, nodes = files.write()
    args = ["--templates", files.tht_dir, "-r", roles, "--no-engine"]
    for env in envs:
        args += ["-e", env]
    if nodes:
        args += ["--nodes", nodes]
    return args


def test_clean_plan_exits_0_and_prints_budget(plan):
    code, out, err = run(*plan_args(plan))
    assert code == 0, out + err
    assert "0 error(s)" in out and "failure -> first evacuate call" in out


def test_findings_exit_1_text_and_json(plan):
    plan.fencing = None
    code, out, _ = run(*plan_args(plan))
    assert code == 1 and "[fencing-enabled]" in out and "fix:" in out
    code, out, _ = run(*plan_args(plan), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["summary"]["errors"] == 2
    assert {f["rule"] for f in data["findings"]} == {"fencing-enabled"}
    assert all({"severity", "message", "fix"} <= set(f) for f in data["findings"])


def test_warnings_pass_unless_strict(plan):
    plan.params["ControllerCount"] = 1
    plan.nodes["nodes"] = [n for n in plan.nodes["nodes"] if n["name"] not in (
        "controller-1", "controller-2")]
    code, out, _ = run(*plan_args(plan))
    assert code == 0 and "warning: [pacemaker-role]" in out
    assert run(*plan_args(plan), "--strict")[0] == 1


def test_secrets_never_printed(plan):
    plan.fencing["FencingConfig"]["devices"][0]["params"]["bogus"] = "x"
    plan.params["InstanceHAKeystonePassword"] = ["not-a-real-password"]
    code, out, err = run(*plan_args(plan), "--format", "json")
    assert code == 1
    assert "not-a-real-password" not in out + err


def test_templates_only_on_our_tree_runs(root):
    code, out, err = run("--templates-only", "--no-engine")
    assert code in (0, 1) and "checked: templates" in out, err


def test_no_plan_arguments_says_only_the_tools_templates_were_checked(root):
    code, out, err = run("--no-engine")
    assert code == 0, err
    last = out.strip().splitlines()[-1]
    assert last.startswith("note: only the tool's own templates were checked, no deployment plan")
    for option in ("--templates THT_DIR", "-r roles_data.yaml", "-e ENV_FILE", "--nodes"):
        assert option in last
    code, out, _ = run("--no-engine", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["plan_checked"] is False
    assert "no deployment plan" in data["note"] and "--nodes instackenv.json" in data["note"]


def test_a_plan_or_templates_only_gets_no_such_note(plan):
    code, out, _ = run(*plan_args(plan), "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["plan_checked"] is True and "note" not in data
    assert "note: only" not in run("--templates-only", "--no-engine")[1]


# -- a corpus of broken inputs: each ends in findings (1) or one clear message (2) ----------

def _mutations():
    def env(text):
        return lambda f, tmp: f.extra_envs.append(_write(tmp, "bad-env.yaml", text))

    def params(**values):
        return lambda f, tmp: f.params.update(values)

    def fence(value):
        return lambda f, tmp: f.fencing.update({"FencingConfig": value})

    def roles(value):
        return lambda f, tmp: setattr(f, "roles", value)

    def nodes(value):
        return lambda f, tmp: setattr(f, "nodes", value)

    return {
        "env missing": lambda f, tmp: f.extra_envs.append(str(tmp / "nope.yaml")),
        "env broken yaml": env("parameter_defaults: [\n"),
        "env is a list": env("- a\n- b\n"),
        "env unknown section": env("paramter_defaults: {}\n"),
        "env parameter_defaults list": env("parameter_defaults: [1, 2]\n"),
        "env registry list": env("resource_registry: [a]\n"),
        "env registry int value": env("resource_registry:\n  OS::TripleO::Services::X: 5\n"),
        "env registry missing file": env(
            "resource_registry:\n  OS::TripleO::Services::X: ../nowhere/x.yaml\n"),
        "env alias bomb": env("a: &a [x, x]\n" + "".join(
            f"b{i}: &b{i} [*{'a' if i == 0 else 'b' + str(i - 1)}, "
            f"*{'a' if i == 0 else 'b' + str(i - 1)}]\n" for i in range(120))),
        "env binary": env("\udcff" if False else "parameter_defaults: {\x00}\n"),
        "enable iha not boolean": params(EnableInstanceHA="maybe"),
        "count not a number": params(ControllerCount="three"),
        "count negative": params(ComputeInstanceHACount=-1),
        "count huge float": params(ComputeInstanceHACount=2.5),
        "hostname map list": params(HostnameMap=["a"]),
        "hostname format int": params(ComputeInstanceHAHostnameFormat=5),
        "scheduler hints list": params(ComputeInstanceHASchedulerHints=["x"]),
        "role parameters list": params(ComputeInstanceHAParameters=["x"]),
        "startup delay text": params(NovaComputeStartupDelay="soon"),
        "fencing string not json": fence("devices"),
        "fencing list": fence([1, 2]),
        "fencing devices string": fence({"devices": "x"}),
        "fencing devices of strings": fence({"devices": ["fence_ipmilan"]}),
        "fencing params list": fence({"devices": [{"agent": "fence_ipmilan", "params": [1]}]}),
        "fencing host_mac int": fence({"devices": [{"agent": "fence_ipmilan", "host_mac": 5}]}),
        "fencing level not list": fence({"devices": {"level1": "x"}}),
        "fencing bad level name": fence({"devices": {"levelX": []}}),
        "roles empty list": roles([]),
        "roles mapping": roles({"x": 1}),
        "roles of strings": roles(["Controller"]),
        "role without name": roles([{"ServicesDefault": []}]),
        "role services string": roles([{"name": "Controller", "ServicesDefault": "x"}]),
        "role count string": roles([{"name": "Controller", "CountDefault": "3",
                                     "ServicesDefault": []}]),
        "duplicate roles": roles([{"name": "A"}, {"name": "A"}]),
        "role name list": roles([{"name": ["x"], "ServicesDefault": []}]),
        "role count negative": roles([{"name": "C", "CountDefault": -3, "ServicesDefault": [
            "OS::TripleO::Services::ComputeInstanceHA"]}]),
        "role hostname format int": roles([{"name": "C", "HostnameFormatDefault": 5,
                                            "ServicesDefault": []}]),
        "role tags int": roles([{"name": "C", "tags": -1, "ServicesDefault": []}]),
        "role networks string": roles([{"name": "Controller", "networks": "x",
                                        "ServicesDefault": []}]),
        "nodes empty mapping": nodes({}),
        "nodes empty list": nodes({"nodes": []}),
        "nodes not a list": nodes({"nodes": "x"}),
        "nodes of strings": nodes({"nodes": ["x"]}),
        "node ports string": nodes({"nodes": [{"name": "a", "ports": "x"}]}),
        "node no ports": nodes({"nodes": [{"name": "controller-0", "pm_type": "ipmi"}]}),
    }


def _write(tmp, name, text):
    path = tmp / name
    path.write_text(text)
    return str(path)


MUTATIONS = _mutations()


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_broken_plan_corpus(plan, tmp_path, case):
    MUTATIONS[case](plan, tmp_path)
    code, out, err = run(*plan_args(plan))
    text = out + err
    assert code in (1, 2), text
    assert "Traceback" not in text and "unexpected failure" not in text, text
    assert "could not run" not in text, text
    if code == 2:
        assert err.startswith("error: ") and len(err.splitlines()) <= 12, err
    else:
        assert "error: [" in out


@pytest.mark.parametrize("argv", [
    ["--templates", "/nonexistent", "-r", "x.yaml"],
    ["-r", "/nonexistent/roles.yaml"],
    ["-e", "/nonexistent/env.yaml"],
    ["--nodes", "/nonexistent/instackenv.json", "-r", "/nonexistent/roles.yaml"],
])
def test_missing_files_exit_2(argv):
    code, out, err = run(*argv, "--no-engine")
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err


def test_roles_file_is_a_directory(tmp_path):
    code, _, err = run("-r", str(tmp_path), "--no-engine")
    assert code == 2 and "directory" in err


def test_env_file_line_numbers_in_findings(plan, tmp_path):
    path = _write(tmp_path, "late.yaml", yaml.safe_dump(
        {"parameter_defaults": {"Foo": 1, "NovaComputeStartupDelay": 10}}))
    plan.extra_envs.append(path)
    code, out, _ = run(*plan_args(plan))
    assert code == 1 and f"{display_path(path)}:3: error: [startup-delay]" in out


def test_engine_checks_without_heat_are_not_run_never_an_error(plan, monkeypatch):
    from tripleo_instanceha import heat_engine

    def engine_used(*_args, **_kwargs):
        raise AssertionError("the engine ran although openstack-heat is missing")
    monkeypatch.setattr(heat_engine, "missing", lambda: heat_engine.NOT_INSTALLED)
    monkeypatch.setattr(heat_engine, "validate_template", engine_used)
    monkeypatch.setattr(heat_engine, "validate_overcloud", engine_used)
    args = [a for a in plan_args(plan) if a != "--no-engine"]
    code, out, err = run(*args)
    assert code == 0, out + err
    assert out.splitlines()[:2] == [
        "checked: templates, plan",
        "not run: heat engine: openstack-heat is not installed (fix: pip install "
        "'tripleo-instanceha[heat]' to run them, or pass --no-engine)"]
    code, out, _ = run(*args, "--format", "json", "--strict")
    data = json.loads(out)
    assert code == 0 and data["summary"] == {"errors": 0, "warnings": 0}
    assert data["not_run"] == {"heat engine": "openstack-heat is not installed (fix: pip "
                               "install 'tripleo-instanceha[heat]' to run them, or pass "
                               "--no-engine)"}
