"""The standalone `tripleo-instanceha` program (a cliff App over the same commands).

Why nothing is imported at module level but the interrupt handler: a Ctrl-C or
SIGTERM during start-up must already end with one line, so main() installs
the handler before cliff and the commands (the heavy imports) are loaded.
"""
from __future__ import annotations

import sys

from tripleo_instanceha import interrupts

EXIT_ERROR = 2


def __getattr__(name: str):
    # The App class needs cliff; loaded only when asked for (docs build, tests).
    if name == "InstanceHAApp":
        from tripleo_instanceha.cli.application import InstanceHAApp
        return InstanceHAApp
    raise AttributeError(name)


def main(argv: "list[str] | None" = None) -> int:  # no typing import: see the doc
    interrupts.install()
    try:
        from tripleo_instanceha import fileio
        fileio.sweep()  # private directories a SIGKILL or an OOM kill left behind
        from tripleo_instanceha.cli.application import InstanceHAApp
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
    except interrupts.Interrupted as exc:
        from tripleo_instanceha import fileio
        fileio.remove_all_private()
        sys.stderr.write(f"error: {exc.line()}\n")
        return exc.exit_code
    finally:
        interrupts.disarm()


if __name__ == "__main__":
    sys.exit(main())
