"""Sphinx configuration for the tripleo-instanceha operator's guide."""
project = "tripleo-instanceha"
copyright = "tripleo-instanceha contributors"
extensions = []
master_doc = "index"
exclude_patterns = []
html_theme = "alabaster"
