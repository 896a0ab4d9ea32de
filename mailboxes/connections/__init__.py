"""Mailbox connections: credentials and tokens, sign-in, the connection check, state, outgoing mail."""
