"""The sandbox: Yoti's test mode. Sandbox applications use their own base URL
(``/sandbox/idverify/v1``) and their sessions live exactly as live ones do, except that results
come from a ResponseConfig the integrator sets instead of from engines."""
