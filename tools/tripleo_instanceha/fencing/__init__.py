"""Fencing: from the node inventory to the FencingConfig puppet-tripleo creates stonith from."""
