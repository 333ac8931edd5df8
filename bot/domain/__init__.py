"""The words every layer of tend shares, pure (no storage, no Slack, no I/O): the statuses
stored in the database and the answers that set them, as enums. It imports nothing of
bot, so storage (whose CheckConstraints are built from these enums) and the rituals'
pure logic both may use it."""
