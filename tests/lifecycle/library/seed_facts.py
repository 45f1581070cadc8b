#!/usr/bin/python
"""Test-only Ansible module: report the given facts as this host's facts.

Why: every test host is localhost, so real fact gathering gives all of them
the same MAC addresses; seeding per-host network facts lets the preflight be
judged per node (the lifecycle tasks skip gathering when facts are present).
"""
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={"facts": {"type": "dict", "required": True}},
                           supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts=module.params["facts"])


if __name__ == "__main__":
    main()
