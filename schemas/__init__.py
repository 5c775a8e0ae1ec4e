"""Event contracts of the follow-up system: envelope, events, topics, codec."""
