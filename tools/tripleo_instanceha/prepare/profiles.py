"""Which role each inventory node lands in, decided by its `profile` capability.

Why: the operator already tagged every node (`profile:control`,
`profile:compute`, ...) when registering it with ironic; those tags are the only
statement of intent the inventory carries, so role counts come from them and
nothing else. One rule set serves both a derived roles file and one the
operator passes with -r.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from tripleo_instanceha.plan.nodes import Node
from tripleo_instanceha.plan.roles import Role

#: Profiles that mean "a pacemaker cluster member" (the Controller role).
CONTROL_PROFILES = ("control", "controller")
#: The profile that means "a compute whose VMs are protected" (the role's name,
#: which is also how the plan model places nodes in that role).
IHA_PROFILES = ("computeinstanceha",)
#: The profile the undercloud's stock `compute` flavor selects.
COMPUTE_PROFILE = "compute"
#: Stock undercloud flavors whose profile is not the role name.
STORAGE_PROFILES = {"ceph-storage": "CephStorage", "block-storage": "BlockStorage",
                    "swift-storage": "ObjectStorage"}


def normalise(name: str) -> str:
    return re.sub(r"[-_ ]", "", name.lower())


def is_plain_compute(role: Role) -> bool:
    return role.has("NovaCompute") and not role.is_instance_ha


@dataclass
class Assignment:
    """Role counts derived from the inventory, and what could not be placed."""

    counts: Dict[str, int] = field(default_factory=dict)
    #: profile -> role name, for every profile that found a role.
    profile_roles: Dict[str, str] = field(default_factory=dict)
    #: profile -> number of nodes carrying it that no role takes.
    unplaced: Dict[str, int] = field(default_factory=dict)
    #: nodes without any profile (left out of the deployment).
    no_profile: List[str] = field(default_factory=list)

    def notes(self) -> List[str]:
        out = [f"{n} node(s) with profile '{p}' are left out: no role for that profile"
               for p, n in sorted(self.unplaced.items())]
        if self.no_profile:
            names = ", ".join(self.no_profile[:5]) + (", ..." if len(self.no_profile) > 5 else "")
            out.append(f"{len(self.no_profile)} node(s) without a profile are left out ({names})")
        return out


def profile_counts(nodes: List[Node]) -> Counter:
    return Counter(n.profile.strip().lower() for n in nodes if n.profile and n.profile.strip())


def role_for_profile(profile: str, roles: List[Role], iha_profiles_present: bool) -> Optional[Role]:
    """The role a profile selects: `compute` by the rule below, else the role of that name,
    else the role the stock flavor names stand for."""
    iha_role = next((r for r in roles if r.is_instance_ha), None)
    if profile == COMPUTE_PROFILE:
        plain = next((r for r in roles if is_plain_compute(r)), None)
        # Plain `compute` nodes stay plain only when the inventory marks the
        # protected ones separately; otherwise every compute is protected.
        if plain and (iha_profiles_present or iha_role is None):
            return plain
        return iha_role or plain
    key = normalise(profile)
    exact = next((r for r in roles if normalise(r.name) == key), None)
    if exact:
        return exact
    if profile in CONTROL_PROFILES:
        return next((r for r in roles if r.is_cluster_member), None)
    if profile in IHA_PROFILES:
        return iha_role
    if profile in STORAGE_PROFILES:
        return next((r for r in roles if r.name == STORAGE_PROFILES[profile]), None)
    return None


def iha_profiles_present(counts: Counter, roles: List[Role]) -> bool:
    iha_names = {normalise(r.name) for r in roles if r.is_instance_ha}
    return any(p in IHA_PROFILES or normalise(p) in iha_names for p in counts)


def assign(nodes: List[Node], roles: List[Role]) -> Assignment:
    """Count, per role, the inventory nodes whose profile selects it."""
    counts = profile_counts(nodes)
    separate = iha_profiles_present(counts, roles)
    result = Assignment(counts={r.name: 0 for r in roles})
    for profile, number in sorted(counts.items()):
        role = role_for_profile(profile, roles, separate)
        if role is None:
            result.unplaced[profile] = number
            continue
        result.profile_roles[profile] = role.name
        result.counts[role.name] += number
    result.no_profile = [n.label for n in nodes if not (n.profile and n.profile.strip())]
    return result
