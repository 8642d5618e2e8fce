"""Background work on Huey: task entry points (ids only), the reconciler and the scheduler."""
