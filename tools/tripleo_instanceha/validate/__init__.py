"""`validate`: find Instance HA misconfigurations in templates and plans before deploy.

Layout (like yamllint): `findings` (the Finding type), `linter` (runs rules,
collects findings), `rules/` (one module per check, each with ID, DESCRIPTION,
FIX and `check(context)`), `context` (what rules look at).
"""
