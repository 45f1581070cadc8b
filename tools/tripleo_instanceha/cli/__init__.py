"""Thin command-line layer: parse arguments, call the core, format, pick the exit code."""
