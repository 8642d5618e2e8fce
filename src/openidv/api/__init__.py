"""The integrator API: Yoti-compatible routes, signed-request authentication, wire schemas."""
