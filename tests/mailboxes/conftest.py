"""Mailbox fixtures live in tests/conftest.py: other areas need them too."""
