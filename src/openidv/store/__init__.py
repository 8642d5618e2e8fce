"""Persistence: database engine and migrations, blob stores, envelope encryption."""
