"""`python3 -m tripleo_instanceha`: the program without its console script.

Why: on an undercloud whose default python3 is older than the package needs
(RHOSP 16.2 has 3.6), the tools run under another interpreter, e.g.
`python3.9 -m tripleo_instanceha validate ...`.
"""
import sys

from tripleo_instanceha.cli.app import main

sys.exit(main())
