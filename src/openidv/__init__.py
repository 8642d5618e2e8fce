"""openidv: a self-hostable identity verification server, wire-compatible with Yoti Doc Scan."""

__version__ = "0.1.0"
