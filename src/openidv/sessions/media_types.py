"""How stored media may be shown to a browser on our own origin.

The console (and /demo) share an origin with everything else openidv serves, under a CSP that
allows ``script-src 'self'``. Media bytes come from end users and, in the sandbox, from
integrators' response configs: served with a type a browser renders (``text/html``,
``text/javascript``, ``image/svg+xml``...), one piece of media could load another as a script
and act as the logged-in admin. So media is served inline only as the image types the capture
path accepts, and only when its bytes really are that image; anything else goes out as an
opaque download in a sandbox that cannot run anything.
"""

from __future__ import annotations

# What the capture path stores (capture/images.py sniffs uploads to exactly these).
INLINE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
# For everything that is not shown inline: no script, no plugins, no same-origin access even
# if a browser ignored the attachment disposition.
SANDBOX_CSP = "sandbox; default-src 'none'"
DOWNLOAD_TYPE = "application/octet-stream"


def image_type_of(content: bytes) -> str | None:
    """The image type the bytes' signature shows (JPEG, PNG, WebP), or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def browser_headers(content: bytes, stored_type: str, filename: str) -> tuple[str, dict[str, str]]:
    """The media type and headers to serve stored media with to a browser.

    Inline only when the stored type is an accepted image type and the bytes agree with it;
    otherwise ``application/octet-stream`` as an attachment. Both carry the sandboxing CSP:
    an image loaded by ``<img>`` ignores it, and a navigated-to one needs nothing it forbids.
    """
    sniffed = image_type_of(content)
    declared = stored_type.split(";", maxsplit=1)[0].strip().lower()
    # (X-Content-Type-Options: nosniff is on every response already: app.ResponseHeaders.)
    headers = {"Content-Security-Policy": SANDBOX_CSP}
    if sniffed is not None and sniffed == declared:
        return sniffed, headers
    safe_name = "".join(c for c in filename if c.isalnum() or c in "-_.")[:80] or "media"
    headers["Content-Disposition"] = f'attachment; filename="{safe_name}.bin"'
    return DOWNLOAD_TYPE, headers
