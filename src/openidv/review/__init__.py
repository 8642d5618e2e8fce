"""The review console: reviewers' accounts, the queue of checks and tasks a human must decide,
the case view, decisions (with an optional second pair of eyes), and the audit log."""
