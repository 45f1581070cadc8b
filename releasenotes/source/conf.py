"""Sphinx configuration for the release notes, built from releasenotes/notes by reno."""
project = "tripleo-instanceha Release Notes"
copyright = "tripleo-instanceha contributors"
# reno's extension reads the notes from git history, as OpenStack projects build theirs.
extensions = ["reno.sphinxext"]
master_doc = "index"
exclude_patterns = []
html_theme = "alabaster"
html_static_path = []
