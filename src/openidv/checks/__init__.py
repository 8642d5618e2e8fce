"""Checks and tasks: engines registered by name, and the routing of their outcomes
(manual_check ALWAYS / FALLBACK / NEVER)."""
