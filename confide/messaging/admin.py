"""Messaging in the Django admin: nothing. Message content is PHI and staff must not read it there."""
