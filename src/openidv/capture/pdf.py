"""PDF scans: the first page (a statement's first pages) rendered to JPEG, in a child process
with hard limits.

Scanners and "save as PDF" give many users a PDF of their document or bill. The stored
evidence is never the PDF (a PDF carries scripts, forms, attachments and links, and no engine
or integrator should have to open one): PDFium (pypdfium2, Apache-2.0/BSD-3, the renderer in
Chromium) draws the first page, without initialising forms (so no JavaScript runs), and the
JPEG of that drawing is what is kept. A proof of address sent as a PDF statement keeps its
first ``STATEMENT_PAGES`` pages, each a page of the document (its date or its addressee may
stand on the second); an ID document's scan keeps its first page.

A hostile PDF can still ask PDFium for a lot of work (deep content streams, huge images), so
the rendering runs in a child process that limits its own memory and CPU time before it reads
a byte, and is killed when it overruns its deadline; a crash there is a refused upload, not a
dead web process. Bounds: at most ``MAX_PDF_PAGES`` pages, a first page of at most
``MAX_PAGE_POINTS`` points on its longer side, rendered to at most ``MAX_RENDER_SIDE`` pixels.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys

MAX_PDF_PAGES = 10  # a statement or a scan of both sides, not a book
STATEMENT_PAGES = 4  # the pages of a statement kept (the proof-of-address reading reads 4)
MAX_PAGE_POINTS = 2000  # A2 is 1684 pt: larger is not a document page
RENDER_DPI = 200  # what a document scanner produces; the reader works at 1000 px width
MAX_RENDER_SIDE = 2400
JPEG_QUALITY = 90
DEADLINE_SECONDS = 20
_CHILD_MEMORY_BYTES = 1024 * 1024 * 1024  # address space: PDFium plus one bitmap, generous
_CHILD_CPU_SECONDS = 15
_ERROR_PREFIX = b"refused:"


class PdfRefused(Exception):
    pass


def is_pdf(content: bytes) -> bool:
    # The header may follow up to 1024 bytes of junk (ISO 32000-1 readers tolerate it).
    return b"%PDF-" in content[:1024]


def _render(content: bytes, wanted: int = 1) -> list[bytes]:
    """In the child: the first ``wanted`` pages as JPEG bytes, or PdfRefused (a later page
    too large to be a document's ends the list there)."""
    import pypdfium2 as pdfium  # noqa: PLC0415 (only the child loads PDFium)

    try:
        document = pdfium.PdfDocument(content)
    except pdfium.PdfiumError as exc:
        raise PdfRefused("the PDF could not be opened (damaged, or under a password)") from exc
    try:
        pages = len(document)
        if pages < 1:
            raise PdfRefused("the PDF has no page")
        if pages > MAX_PDF_PAGES:
            raise PdfRefused(f"the PDF has {pages} pages; at most {MAX_PDF_PAGES}")
        drawn: list[bytes] = []
        for index in range(min(pages, max(1, wanted))):
            page = document[index]
            width, height = page.get_size()
            if max(width, height) > MAX_PAGE_POINTS or min(width, height) < 1:
                if index == 0:
                    raise PdfRefused(f"the PDF's first page is {width:.0f} x {height:.0f} pt")
                break
            scale = min(RENDER_DPI / 72, MAX_RENDER_SIDE / max(width, height))
            # may_draw_forms=False: form fields are not drawn, and init_forms() is never
            # called, so the document's JavaScript has no environment to run in.
            bitmap = page.render(scale=scale, may_draw_forms=False)
            image = bitmap.to_pil().convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            drawn.append(out.getvalue())
        return drawn
    finally:
        document.close()


def _child() -> None:
    # Limits first: nothing of the PDF is read before they hold.
    resource.setrlimit(resource.RLIMIT_AS, (_CHILD_MEMORY_BYTES, _CHILD_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (_CHILD_CPU_SECONDS, _CHILD_CPU_SECONDS))
    content = sys.stdin.buffer.read()
    wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    try:
        jpegs = _render(content, wanted)
    except PdfRefused as exc:
        sys.stdout.buffer.write(_ERROR_PREFIX + str(exc).encode())
        sys.exit(2)
    # Each page as its length (4 bytes, big-endian), then its JPEG.
    for jpeg in jpegs:
        sys.stdout.buffer.write(len(jpeg).to_bytes(4, "big") + jpeg)


def render_first_page(content: bytes) -> bytes:
    """The PDF's first page as a JPEG (blocking: call it from a worker thread)."""
    return render_pages(content, 1)[0]


def render_pages(content: bytes, wanted: int) -> list[bytes]:
    """The PDF's first ``wanted`` pages (at least its first) as JPEGs (blocking)."""
    try:
        done = subprocess.run(  # noqa: S603
            # The arguments are ours (an int), never the upload: it goes in on stdin.
            [sys.executable, "-m", "openidv.capture.pdf", str(max(1, int(wanted)))],
            input=content,
            capture_output=True,
            timeout=DEADLINE_SECONDS,
            check=False,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.pathsep.join(sys.path)},
        )
    except subprocess.TimeoutExpired as exc:
        raise PdfRefused("the PDF took too long to draw") from exc
    if done.returncode == 2 and done.stdout.startswith(_ERROR_PREFIX):
        raise PdfRefused(done.stdout[len(_ERROR_PREFIX) :].decode(errors="replace"))
    pages, rest = [], done.stdout
    while done.returncode == 0 and len(rest) > 4:
        size = int.from_bytes(rest[:4], "big")
        pages.append(rest[4 : 4 + size])
        rest = rest[4 + size :]
    if not pages or rest or any(not page.startswith(b"\xff\xd8") for page in pages):
        raise PdfRefused("the PDF could not be drawn")
    return pages


if __name__ == "__main__":
    _child()
