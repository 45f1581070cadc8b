"""The pacemaker cluster a plan deploys, and what pacemaker does when parts of it fail.

`model` builds the CIB puppet-tripleo would create; `simulate` replays it with
pacemaker's own scheduler; `scenarios` and `checks` judge the Instance HA
chain; `budget` estimates how long recovery takes; `report` renders a
rehearsal's outcome for `rehearse` and `prepare`.
"""
