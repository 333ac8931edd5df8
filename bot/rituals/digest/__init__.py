"""Team digests: whole-team, rounded figures and their trend chart."""
