"""Sandboxes: a learner's engine, its journal and snapshots, and the activity it records."""
