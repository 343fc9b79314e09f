"""Outgoing mail: written to an outbox in the caller's transaction, sent over SMTP after."""
