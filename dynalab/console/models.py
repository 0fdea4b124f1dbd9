"""The console keeps no data of its own yet: sandboxes will own the learner's state."""
