"""The standalone `tripleo-instanceha` program (a cliff App over the same commands)."""
from __future__ import annotations

import sys
from typing import List, Optional

from cliff import app, commandmanager

from tripleo_instanceha import __version__

EXIT_ERROR = 2


class InstanceHAApp(app.App):
    def __init__(self) -> None:
        super().__init__(
            description="Instance HA for TripleO: generate fencing, validate a plan, "
                        "rehearse failures with pacemaker's own scheduler.",
            version=__version__,
            command_manager=commandmanager.CommandManager("tripleo_instanceha.cli"),
            deferred_help=True,
        )

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version, argparse_kwargs)
        return parser

    def clean_up(self, cmd, result, err):
        # cliff already printed the error; nothing of ours to undo.
        pass


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    instance = InstanceHAApp()
    if not argv:
        argv = ["help"]
    try:
        code = instance.run(argv)
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else EXIT_ERROR
    # cliff maps an unexpected exception to 1; anything not ours is "could not run".
    return code


if __name__ == "__main__":
    sys.exit(main())
