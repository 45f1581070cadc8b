"""The `openstack overcloud deploy` command line for prepared inputs.

Why print it rather than describe it: the order of `-e` files decides which
value wins, and getting one path or the order wrong is the usual way a
checked plan turns into a different deployment. The printed line is exactly
the file chain prepare validated and rehearsed.
"""
from __future__ import annotations

import shlex
from typing import List, Sequence


def deploy_command(templates: str, roles_file: str, env_files: Sequence[str],
                   stack_name: str = "overcloud") -> List[str]:
    argv = ["openstack", "overcloud", "deploy", "--templates", templates]
    if stack_name != "overcloud":
        argv += ["--stack", stack_name]
    argv += ["-r", roles_file]
    for path in env_files:
        argv += ["-e", path]
    return argv


def as_shell(argv: Sequence[str]) -> str:
    """One copy-pasteable line per option, joined with backslashes."""
    words = [shlex.quote(w) for w in argv]
    lines: List[str] = [" ".join(words[:3])]
    index = 3
    while index < len(words):
        if words[index].startswith("-") and index + 1 < len(words):
            lines.append(f"  {words[index]} {words[index + 1]}")
            index += 2
        else:
            lines.append(f"  {words[index]}")
            index += 1
    return " \\\n".join(lines)


def env_files_of(argv: Sequence[str]) -> List[str]:
    """The -e/-r files of a deploy command (for checking they all exist)."""
    return [argv[i + 1] for i, word in enumerate(argv[:-1]) if word in ("-e", "-r")]
