"""Running the drill command through the program, as an operator does."""
from __future__ import annotations

import io
from typing import List

from tripleo_instanceha.cli import app as app_mod
from tripleo_instanceha.cli.drill import Drill


def run_drill(argv: List[str]):
    """(exit code, stdout, stderr) of ``tripleo-instanceha drill ARGV``."""
    out, err = io.StringIO(), io.StringIO()
    application = app_mod.InstanceHAApp()
    application.stdout, application.stderr = out, err
    # an installed checkout older than this command has no entry point for it yet
    application.command_manager.add_command("drill", Drill)
    code = application.run(["drill"] + argv)
    return code, out.getvalue(), err.getvalue()
