"""The cliff App of the standalone program (loaded by cli.app.main after the handler)."""
from __future__ import annotations

from cliff import app, commandmanager

from tripleo_instanceha import __version__


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
