"""`tend demo`: a month of tend against the in-package Slack stand-in."""
