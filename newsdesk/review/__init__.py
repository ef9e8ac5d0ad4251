"""The review queue: states, transitions, audit trail, accounts."""
