"""The end user's side: the hosted capture page and the client API it talks to, authorised by
the client session token and scoped to that one session."""
