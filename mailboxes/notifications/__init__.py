"""E-mail notifications through the tenant's notification mailbox (SPEC rules 9, 10, 22).

`events` is what other code calls; everything is recorded in the caller's transaction and sent after
the commit by workers (`outbox`, `sending`). `recipients` lets other apps add who else is told.
"""
