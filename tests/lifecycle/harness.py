"""Run the lifecycle tasks the way TripleO's playbooks do, against a CIB file.

Why a harness: the tasks are judged as Ansible really runs them (ansible-core,
on localhost) with real ``pcs -f`` and the real crm_* tools pointed at a CIB
file, not by reading their YAML. The plays below mirror THT's
common/deploy-steps.j2: external deploy steps 1-5 then the external post
deploy tasks on the undercloud; per compute, update (or upgrade) steps 0-5,
the deploy steps that restart pacemaker_remote and nova-compute, then the
post update (upgrade) steps 0-3.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import yaml

from tripleo_instanceha import heat_engine
from tripleo_instanceha.cluster.model import ClusterModel
from tripleo_instanceha.cluster.simulate import Simulator

LIFECYCLE = os.path.join("deployment", "pacemaker", "compute-instanceha-lifecycle.yaml")
SERVICE = os.path.join("deployment", "pacemaker", "compute-instanceha-baremetal-puppet.yaml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
ANSIBLE_LINT = os.path.join(os.path.dirname(sys.executable), "ansible-lint")
CIB_REFRESH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "cib-refresh")
CIB_SETTLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "cib-settle")
LIBRARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "library")


def resolve_outputs(template_path: str, parameters: Mapping[str, Any]) -> Dict[str, Any]:
    """Every output of the template, resolved by Heat's engine."""
    return heat_engine.resolve_outputs(template_path, parameters)


def live_cib(plan, workdir: str, name: str = "live", lifecycle: bool = True) -> str:
    """The cluster model's CIB after pacemaker started it: every resource running.

    The remotes' ``server`` is 127.0.0.1 so the tasks' wait for pacemaker_remote
    can reach a listener the test opens. ``lifecycle`` False: the CIB puppet
    alone builds, before the lifecycle tasks add the evacuation agent.
    """
    model = ClusterModel.from_plan(plan, addresses={n: "127.0.0.1" for n in plan_remotes(plan)},
                                   lifecycle=lifecycle)
    sim = Simulator(os.path.join(workdir, "sim"))
    path = os.path.join(workdir, f"{name}.model.xml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(model.to_xml())
    first = sim.simulate(path, f"{name}-up", online=model.controllers)
    sim.mark_unfenced(first.after, model.nodes)
    steady = sim.simulate(first.after, f"{name}-steady")
    sim.mark_unfenced(steady.after, model.nodes)
    out = os.path.join(workdir, f"{name}.xml")
    with open(steady.after, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        dst.write(src.read())
    return out


def plan_remotes(plan) -> List[str]:
    return [p.name for p in plan.remotes]


class Runner:
    """ansible-playbook on localhost for a TripleO-like inventory, one CIB file."""

    def __init__(self, workdir: str, cib: str, controllers: Sequence[str],
                 computes: Sequence[str], facts: Optional[Mapping[str, dict]] = None):
        self.workdir = workdir
        self.cib = cib
        self.controllers = list(controllers)
        self.computes = list(computes)
        #: host -> network facts seeded before each run (see library/seed_facts.py)
        self.facts = dict(facts or {})
        self.inventory = os.path.join(workdir, "inventory.yaml")
        self.ocf_dir = os.path.join(workdir, "ocf", "tripleo-instanceha")
        local = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                 "ansible_become_method": "su"}
        hosts = {h: dict(local) for h in ["undercloud"] + self.controllers + self.computes}
        inventory = {"all": {
            "hosts": hosts,
            "children": {
                "pacemaker": {"hosts": {h: {} for h in self.controllers}},
                "compute_instanceha": {"hosts": {h: {} for h in self.computes}},
            }}}
        with open(self.inventory, "w", encoding="utf-8") as handle:
            yaml.safe_dump(inventory, handle)

    def extra_vars(self, **more: Any) -> Dict[str, Any]:
        data = {"tripleo_instanceha_pcs": f"pcs -f {self.cib}",
                "tripleo_instanceha_cib_environment": {"CIB_file": self.cib},
                "tripleo_instanceha_refresh": CIB_REFRESH,
                "tripleo_instanceha_wait": CIB_SETTLE,
                # the agent's directory on "every controller" (all local here)
                "tripleo_instanceha_ocf_dir": self.ocf_dir,
                "tripleo_instanceha_cib_update": os.path.join(self.workdir, "cib-update.xml"),
                "tripleo_instanceha_remote_timeout": 5}
        data.update(more)
        return data

    def write_tasks(self, name: str, tasks: Optional[list]) -> str:
        path = os.path.join(self.workdir, f"{name}.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(tasks or [], handle, sort_keys=False)
        return path

    def run(self, plays: list, extra: Optional[Mapping[str, Any]] = None,
            name: str = "play", tags: Optional[str] = None) -> subprocess.CompletedProcess:
        if self.facts:
            plays = [{"hosts": ",".join(sorted(self.facts)), "name": "Seed network facts",
                      "gather_facts": False, "tasks": [
                          {"seed_facts": {"facts": "{{ seeded[inventory_hostname] }}"},
                           "tags": ["always"]}],
                      "vars": {"seeded": self.facts}}] + list(plays)
        playbook = os.path.join(self.workdir, f"{name}.playbook.yaml")
        with open(playbook, "w", encoding="utf-8") as handle:
            yaml.safe_dump(plays, handle, sort_keys=False)
        extra_file = os.path.join(self.workdir, f"{name}.vars.json")
        with open(extra_file, "w", encoding="utf-8") as handle:
            json.dump(self.extra_vars(**(extra or {})), handle)
        env = dict(os.environ)
        env.update({
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.workdir, "tmp"),
            "ANSIBLE_REMOTE_TEMP": os.path.join(self.workdir, "tmp"),
            "ANSIBLE_HOME": os.path.join(self.workdir, "home"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0",
            "ANSIBLE_HOST_KEY_CHECKING": "0",
            "ANSIBLE_GATHERING": "explicit",
            "ANSIBLE_PIPELINING": "1",
            "ANSIBLE_LIBRARY": LIBRARY,
            "ANSIBLE_DEPRECATION_WARNINGS": "0",
        })
        selected = ["--tags", tags] if tags else []
        return subprocess.run([ANSIBLE_PLAYBOOK, "-i", self.inventory, "-e", f"@{extra_file}",
                               *selected, playbook], capture_output=True, text=True, env=env,
                              cwd=self.workdir, timeout=600)

    # -- THT's play shapes ------------------------------------------------
    def deploy(self, outputs: Mapping[str, Any], extra=None, name="deploy", settle=True):
        """External deploy steps 1-5, then the external post deploy tasks.

        Between step 5 and the post deploy tasks pacemaker acts on what step 5
        changed (bin/cib-settle runs the transition on the CIB file), as a
        running cluster does before the verification reads it. ``settle``
        False leaves that transition to the test, to judge it itself.
        """
        ext = self.write_tasks(f"{name}-external", outputs.get("external_deploy_tasks"))
        post = self.write_tasks(f"{name}-external-post",
                                outputs.get("external_post_deploy_tasks"))
        plays = [{"hosts": "undercloud", "name": f"External deployment step {step}",
                  "gather_facts": False, "any_errors_fatal": True, "become": False,
                  "vars": {"step": str(step)},
                  "tasks": [{"ansible.builtin.include_tasks": ext}]} for step in range(1, 6)]
        if settle:
            plays.append({"hosts": "undercloud", "name": "Pacemaker acts on the changes",
                          "gather_facts": False, "become": False, "tasks": [
                              {"name": "Run the transition on the CIB file",
                               "ansible.builtin.command": CIB_SETTLE,
                               "environment": {"CIB_file": self.cib},
                               "changed_when": False}]})
        plays.append({"hosts": "undercloud", "name": "External deployment Post Deploy tasks",
                      "gather_facts": False, "any_errors_fatal": True, "become": False,
                      "tasks": [{"ansible.builtin.include_tasks": post}]})
        return self.run(plays, extra, name)

    def host_prep(self, outputs: Mapping[str, Any], extra=None, name="host-prep"):
        """The role's host_prep_tasks on every Instance HA compute."""
        tasks = self.write_tasks(f"{name}-tasks", outputs.get("host_prep_tasks"))
        play = {"hosts": "compute_instanceha", "name": "Host prep deployment",
                "gather_facts": False, "become": False,
                "tasks": [{"ansible.builtin.include_tasks": tasks}]}
        return self.run([play], extra, name)

    def compute_steps(self, outputs: Mapping[str, Any], extra=None, name="compute-steps"):
        """The role's deploy_steps_tasks on every Instance HA compute, steps 1-5, as
        THT's deploy_steps_playbook runs them after the host prep."""
        tasks = self.write_tasks(f"{name}-tasks", outputs.get("deploy_steps_tasks"))
        plays = [{"hosts": "compute_instanceha", "name": f"Overcloud deploy step {step}",
                  "gather_facts": False, "any_errors_fatal": True, "become": False,
                  "vars": {"step": str(step)},
                  "tasks": [{"ansible.builtin.include_tasks": tasks}]} for step in range(1, 6)]
        return self.run(plays, extra, name)

    def rolling(self, outputs: Mapping[str, Any], kind: str, extra=None, name=None,
                record: str = "restart.log", tags: Optional[str] = None,
                restart_step: int = 3, at_restart: Sequence[Dict[str, Any]] = ()):
        """``kind`` update or upgrade: per compute, serially, as THT's playbooks do.

        The connection's maintenance meta attribute is recorded at two points:
        ``restart``, at update (upgrade) step ``restart_step``, where
        tripleo-packages updates every package and pacemaker-remote's %pre and
        %post stop and start pacemaker_remoted (step 3 in every release; the
        operating system upgrade pass, ``tags`` system_upgrade, reboots at step
        4 instead); and ``deploy``, where the host deploy steps run between the
        steps and the post steps, and puppet on the compute makes its CIB calls
        (node attribute, stonith level) through the remote connection.
        ``tags`` selects tasks as ``--tags`` does (THT tags its step includes
        ``always``). ``at_restart``: tasks run at the restart point, for what the
        restart leaves in the cluster.
        """
        name = name or kind
        log = os.path.join(self.workdir, record)

        def recorder(point: str, **more: Any) -> Dict[str, Any]:
            return dict({
                "name": f"Record the connection's maintenance at the {point} point",
                "ansible.builtin.shell":
                    "printf '%s %s %s\\n' {{ inventory_hostname }} " + point + " "
                    "\"$(crm_resource --resource {{ inventory_hostname }} --meta "
                    "--get-parameter maintenance 2>/dev/null)\" >> " + log,
                "environment": {"CIB_file": self.cib},
                "changed_when": False,
                "tags": ["always"],
            }, **more)

        step_tasks = list(outputs.get(f"{kind}_tasks") or [])
        step_tasks += [dict(task, when=f"step|int == {restart_step}",
                            environment={"CIB_file": self.cib}, tags=["always"])
                       for task in at_restart]
        step_tasks.append(recorder("restart", when=f"step|int == {restart_step}"))
        steps = self.write_tasks(f"{name}-steps", step_tasks)
        post = self.write_tasks(f"{name}-post", outputs.get(f"post_{kind}_tasks"))
        play = {"hosts": "compute_instanceha", "name": f"Run {kind}", "serial": 1,
                "gather_facts": False, "become": False,
                "tasks": [
                    {"ansible.builtin.include_tasks": steps, "tags": ["always"],
                     "with_sequence": "start=0 end=5", "loop_control": {"loop_var": "step"}},
                    recorder("deploy"),
                    {"ansible.builtin.include_tasks": post, "tags": ["always"],
                     "with_sequence": "start=0 end=3", "loop_control": {"loop_var": "step"}},
                ]}
        return self.run([play], extra, name, tags=tags)


def restart_log(workdir: str, record: str = "restart.log",
                point: str = "restart") -> Dict[str, str]:
    """Host -> the connection's maintenance value at ``point`` ('' = not set).

    ``point`` is ``restart`` (the package step's pacemaker_remote restart) or
    ``deploy`` (the host deploy steps, puppet's CIB calls); see Runner.rolling.
    """
    result: Dict[str, str] = {}
    path = os.path.join(workdir, record)
    if os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            host, _, rest = line.rstrip("\n").partition(" ")
            at, _, value = rest.partition(" ")
            if at == point:
                result[host] = value.strip()
    return result


def cib_query(cib: str, xpath: str) -> Optional[str]:
    """The XML at ``xpath`` in a CIB file (cibadmin), None when nothing matches."""
    run = subprocess.run(["cibadmin", "--query", "--xpath", xpath], capture_output=True,
                         text=True, env=dict(os.environ, CIB_file=cib), check=False)
    if run.returncode == 105:
        return None
    if run.returncode != 0:
        raise AssertionError(f"cibadmin failed ({run.returncode}): {run.stderr}")
    return run.stdout


def interfaces_facts(macs: Iterable[str]) -> dict:
    """Network facts as setup reports them, one interface per MAC."""
    facts: Dict[str, Any] = {"interfaces": []}  # as hostvars[host]['ansible_facts'] shows them
    for index, mac in enumerate(macs):
        name = f"eth{index}"
        facts["interfaces"].append(name)
        facts[name] = {"device": name, "macaddress": mac, "active": True}
    return facts


def pcs(cib: str, *args: str) -> None:
    """One pcs -f command on the CIB file (stands in for an operator's command)."""
    subprocess.run(["pcs", "-f", cib, *args], check=True, capture_output=True, text=True)


def crm_attribute(cib: str, *args: str) -> None:
    """crm_attribute on the CIB file, as the tasks run it on a controller."""
    subprocess.run(["crm_attribute", *args], check=True, capture_output=True, text=True,
                   env=dict(os.environ, CIB_file=cib))


def refresh(cib: str, resource: str) -> None:
    """What the leave tasks' refresh does, on a CIB file (bin/cib-refresh)."""
    subprocess.run([CIB_REFRESH, resource], check=True, capture_output=True, text=True,
                   env=dict(os.environ, CIB_file=cib))
