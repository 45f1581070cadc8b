"""Rendering findings and reports as text or JSON."""
