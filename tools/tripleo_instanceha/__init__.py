"""Instance HA for TripleO: templates, fencing generation, validation and rehearsal."""

__version__ = "0.1.0"
