"""The Nova half of ``status``: what Nova says about the Instance HA computes (read-only)."""
