"""Sessions: spec validation, state, TTLs, media, and the assembly of results."""
