"""Retention: expiry of unfinished sessions, purge of personal data when resources_ttl runs
out or on deletion, and the deletion receipts that remain."""
