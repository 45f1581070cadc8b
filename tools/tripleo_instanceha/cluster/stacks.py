"""The cluster stacks operators run, and which one a THT release deploys onto.

Why: a CIB must declare a schema and feature set the target pacemaker knows.
Pacemaker 2.0.5 (RHEL 8.4, RHOSP 16.2) refuses a CIB that declares 2.1.5's
``pacemaker-3.9`` ("Update does not conform to the configured schema") and its
crm_simulate aborts on 2.1's feature set, so the model writes what the target
stack writes itself (``cibadmin --empty`` on that stack).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, Optional

from tripleo_instanceha.errors import InputError


@dataclass(frozen=True)
class ClusterStack:
    """One RHOSP release's cluster software, as the CIB sees it."""

    key: str
    rhosp: str
    rhel: str
    pacemaker: str
    pcs: str
    #: what a fresh CIB of this pacemaker declares
    feature_set: str
    schema: str

    def describe(self) -> str:
        return (f"RHOSP {self.rhosp} (RHEL {self.rhel}: pacemaker {self.pacemaker}, "
                f"pcs {self.pcs})")


STACKS: Dict[str, ClusterStack] = {s.key: s for s in (
    # RHOSP 13 has no judge (doc/source/cluster-stacks.rst): its CIB declares what
    # RHOSP 16.2's does, the nearest stack whose real tools the tests run.
    ClusterStack("13", "13", "7.9", "1.1.23", "0.9.169", "3.6.1", "pacemaker-3.5"),
    ClusterStack("16.2", "16.2", "8.4", "2.0.5", "0.10.8", "3.6.1", "pacemaker-3.5"),
    ClusterStack("17.1", "17.1", "9.2", "2.1.5", "0.11", "3.16.1", "pacemaker-3.9"),
)}
DEFAULT = STACKS["17.1"]

#: THT release name -> the RHOSP whose cluster stack it deploys onto
RELEASE_STACK = {"queens": "13", "train": "16.2", "wallaby": "17.1", "master": "17.1"}
#: overcloud.j2.yaml's heat_template_version per release line (Stein/Train kept rocky)
_HOT_RELEASE = {"queens": "queens", "rocky": "train", "wallaby": "wallaby"}


def by_key(key: str) -> ClusterStack:
    try:
        return STACKS[key]
    except KeyError:
        raise InputError.single("--cluster-stack", f"unknown cluster stack {key!r}",
                                fix="pass one of " + ", ".join(sorted(STACKS))) from None


def for_release(release: Optional[str]) -> ClusterStack:
    """The stack a THT release ('train', '11.6.0', ...) deploys onto; the newest when unknown."""
    if not release:
        return DEFAULT
    name = release.lower()
    if name[:1].isdigit():
        # THT's major version: 8 Queens, 9-11 Rocky to Train, 12 and later Ussuri onwards
        major = int(re.match(r"\d+", name).group(0))
        return STACKS["13" if major <= 8 else "16.2" if major <= 11 else "17.1"]
    return STACKS[RELEASE_STACK.get(name, "17.1")]


def release_of_tree(templates_dir: Optional[str]) -> Optional[str]:
    """The release line of a THT tree, from its overcloud template's HOT version."""
    if not templates_dir:
        return None
    path = os.path.join(templates_dir, "overcloud.j2.yaml")
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    match = re.search(r"^heat_template_version:\s*['\"]?([\w.-]+)", head, re.M)
    if not match:
        return None
    return _HOT_RELEASE.get(match.group(1))


def _major_minor(version: str) -> tuple:
    parts = re.findall(r"\d+", version)[:2]
    return tuple(int(p) for p in parts) if len(parts) == 2 else (0, 0)


def matching(version: str) -> ClusterStack:
    """The stack whose pacemaker has this version's major.minor (the newest when unknown)."""
    wanted = _major_minor(version)
    for stack in STACKS.values():
        if _major_minor(stack.pacemaker) == wanted:
            return stack
    return DEFAULT


def can_judge(version: str, stack: ClusterStack) -> bool:
    """Whether a scheduler of ``version`` reads the CIB written for ``stack``."""
    return _major_minor(version) >= _major_minor(stack.pacemaker)


def require_judge(stack: ClusterStack, version: str, option: str = "--cluster-stack") -> None:
    """Refuse, naming both versions, to rehearse a stack the local scheduler cannot read."""
    if version != "unknown" and not can_judge(version, stack):
        raise InputError.single(
            option, f"the crm_simulate here is pacemaker {version}, older than "
            f"{stack.describe()}: it cannot read that stack's CIB ({stack.schema})",
            fix=f"rehearse where pacemaker {stack.pacemaker} or later is installed")


def choose(key: Optional[str] = None, release: Optional[str] = None,
           templates_dir: Optional[str] = None, local: Optional[str] = None) -> ClusterStack:
    """An explicit choice wins; then the release; then the tree's own HOT version.

    With none of these, the stack of this machine's pacemaker (``local``, its
    version): an undercloud runs the cluster tools of its own RHOSP release.
    """
    if key:
        return by_key(key)
    release = release or release_of_tree(templates_dir)
    if release:
        return for_release(release)
    return matching(local) if local else DEFAULT
