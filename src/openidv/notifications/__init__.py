"""Webhooks to the integrator: Yoti's topics and bodies, Basic/Bearer auth, an HMAC signature,
at-least-once delivery with backoff, a delivery log, and a guard against SSRF."""
