"""What the rituals and every layer above them act through, below the rituals: the
injected services (database, Slack, clock, settings), the Slack calls a listener leaves
for after the ack, private notices, the building blocks of a ritual's configuration
spec, and the /metrics page."""
