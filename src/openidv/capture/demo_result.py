"""The demo's result page: what a newcomer reads once the capture page is done.

Everything comes from ``GET /sessions/{id}`` (and the media it names), as an integrator's own
page would have it: an overall outcome, each check and task in words with its reason, the
fields read from the document, and the document's portrait beside the selfie frame the face
match compares. The raw JSON stays below, folded, for the developer.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

# What each check answers, as a question a person would ask.
_CHECK_NAMES = {
    "ID_DOCUMENT_AUTHENTICITY": "Is the document genuine?",
    "LIVENESS": "Was a live person in front of the camera?",
    "ID_DOCUMENT_FACE_MATCH": "Is it the face on the document?",
    "ID_DOCUMENT_TEXT_DATA_CHECK": "Did a reviewer confirm the document's data?",
    "FACE_COMPARISON": "Is it the face the business holds?",
    "ID_DOCUMENT_COMPARISON": "Do the two documents agree?",
    "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_CHECK": "Did a reviewer confirm the supporting document?",
}
_TASK_NAMES = {
    "ID_DOCUMENT_TEXT_DATA_EXTRACTION": "Reading the document's data",
    "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION": "Reading the supporting document",
}
_VALUES = {
    "APPROVE": ("Yes", "good"),
    "REJECT": ("No", "bad"),
    "NOT_AVAILABLE": ("Could not tell", "unsure"),
    "CONSIDER": ("Maybe: a person should look", "unsure"),
    "PROGRESS": ("Read", "good"),
    "SHOULD_TRY_AGAIN": ("Not read: the user should try again", "unsure"),
    "MUST_TRY_AGAIN": ("Not read: the user must try again", "bad"),
}
# Yoti's reasons, in words (anything else is shown as its code made readable).
_REASONS = {
    "DIFFERENT_PERSON": "the faces are of different people",
    "FACE_NOT_GENUINE": "the face does not look genuine",
    "LARGE_AGE_GAP": "the ages are too far apart to compare",
    "DOCUMENT_COPY": "it looks like a copy or a screen, not the document itself",
    "TAMPERED": "the document's data does not hold together (it may have been altered)",
    "EXPIRED_DOCUMENT": "the document has expired",
    "COUNTERFEIT": "the document looks counterfeit",
    "PHOTO_OF_PHOTO": "a photo of a photo",
    "PHOTO_OF_MASK": "a photo of a mask",
    "PHOTO_TOO_BLURRY": "the photo is too blurry",
    "PHOTO_TOO_DARK": "the photo is too dark",
    "PHOTO_OVEREXPOSED": "the photo is overexposed",
    "GLARE_OBSTRUCTION": "glare hides part of the document",
    "OBJECT_OBSTRUCTION": "something hides part of the document (or it shows no portrait)",
    "PARTIAL_PHOTO": "only part of the document is in the photo",
    "IMAGE_RESOLUTION_TOO_LOW": "the photo is too small to read",
    "FACE_PHOTO_LOW_RESOLUTION": "the face is too small to compare",
    "FACE_NOT_FOUND": "no face was found",
    "DOCUMENT_NOT_FOUND": "no document was found",
    "MISSING_DOCUMENT_SIDE": "a side of the document is missing",
    "DOCUMENT_NOT_SUPPORTED": "this document is not supported",
    "INCORRECT_DOCUMENT_TYPE": "this is not the document type chosen",
    "QUALITY": "the photo's quality",
    "USER_ERROR": "the capture went wrong",
    "INVALID": "the evidence could not be judged",
}
# A liveness REJECT, in words: what the engine refuses, so that a demo run with a photo, a
# screen or a synthetic capture (the benchmarks') reads as the attack it is, not as a fault.
LIVENESS_REFUSED = (
    "the capture did not look like a live person in front of the camera; photos, screens, "
    "masks and rendered or injected video are refused as attacks"
)
# Field keys of document_fields, in the order a person reads a passport.
_FIELDS = (
    ("full_name", "Full name"),
    ("given_names", "Given names"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("gender", "Sex"),
    ("nationality", "Nationality"),
    ("document_type", "Document"),
    ("issuing_country", "Issued by"),
    ("document_number", "Document number"),
    ("date_of_issue", "Issued on"),
    ("expiration_date", "Expires on"),
    ("place_of_birth", "Place of birth"),
    ("issuing_authority", "Authority"),
)

# Why the capture page stopped, for each code Yoti's client posts (``ERROR`` with
# ``eventCode``, or ``?yotiErrorCode=``): a newcomer reads what to do, not a number. Ours posts
# 2000-2004, 3000-3002, 4000, 5000, 5004, 5006, 5008 and 5010 (capture/static); the others are
# Yoti's, named in case a page of theirs is pointed at this demo's result.
_STOPPED = {
    1000: "You cancelled the verification.",
    2000: "The capture page's link was no longer valid (it may have been used already): "
    "start again for a new one.",
    2001: "The capture page could not find this session: start again.",
    2002: "The session expired before the capture was finished: start again.",
    2003: "The capture page was opened without its session token: start again.",
    2004: "The capture page was opened without its session ID: start again.",
    3000: "The server was not answering properly: check that openidv is still running "
    "(and its log), then start again.",
    3001: "A request to the server failed: check the connection to it and start again.",
    3002: "The browser was offline: reconnect and start again.",
    4000: "You cancelled, or the camera was not allowed: allow the camera in the browser's "
    "site settings and start again.",
    4001: "The document was not one this session accepts, or there were too many attempts.",
    5000: "No camera was found, and this session does not allow uploading photos instead: "
    "connect a camera and start again.",
    5001: "This browser cannot run the liveness check: try another browser.",
    5002: "There were no liveness attempts left.",
    5003: "The capture page is out of date: reload and start again.",
    5004: "Something unexpected went wrong in the capture page: the browser's console says "
    "what; start again.",
    5005: "The document could not be scanned: start again.",
    5006: "The liveness check was cancelled, or took too long to be judged: start again "
    "(the server's log says whether its engines are ready).",
    5007: "On an iPhone or iPad, the capture needs Safari.",
    5008: "The session asks for something this capture page does not support: change the "
    "session's settings.",
    5009: "The browser has no storage for the capture page: allow site data and start again.",
    5010: "The camera could not be started (another application may be using it): close that "
    "application and start again.",
    5011: "The camera's resolution is too low for the capture.",
    7000: "You said you do not have any of the documents this session accepts.",
}
_STOPPED_UNKNOWN = "The capture page stopped before the end: start again."


def stopped(code: str) -> str:
    """What an error code from the capture page means, in a sentence."""
    known = code.isascii() and code.isdigit() and len(code) < 6
    return _STOPPED.get(int(code), _STOPPED_UNKNOWN) if known else _STOPPED_UNKNOWN


def waiting(session: dict[str, Any], review: bool, error: str | None) -> bool:
    """Whether the page should refresh itself: not once the capture page has stopped before
    submitting (nothing will change; "checking your evidence" would be untrue)."""
    if error and session["state"] != "COMPLETED":
        return False
    return outcome(session, review)[1] == "wait"


STYLE = (
    "*{box-sizing:border-box}"
    "body{font:16px/1.45 system-ui,sans-serif;max-width:980px;margin:1.5em auto;padding:0 1em;"
    "color:#1a1a1a;overflow-wrap:anywhere}"
    "a{color:#0050b3}code{font:14px ui-monospace,monospace}"
    "iframe{display:block;width:100%;height:720px;border:1px solid #ccc;border-radius:8px}"
    "button{font-size:1.1em;padding:.5em 1.2em}"
    "table{width:100%;border-collapse:collapse}"
    "td,th{padding:6px 8px;border-bottom:1px solid #e5e5e5;text-align:left;vertical-align:top}"
    "th{width:38%;font-weight:600}"
    "pre{white-space:pre-wrap;font:13px ui-monospace,monospace;background:#f6f6f6;padding:.6em}"
    ".outcome{padding:.8em 1em;border-radius:8px;font-size:1.15em;margin:1em 0}"
    ".good{background:#e6f4ea;color:#0d5223}.bad{background:#fce8e6;color:#8a1c12}"
    ".unsure{background:#fff4d6;color:#5c4300}.wait{background:#e8f0fe;color:#123a7a}"
    ".tag{display:inline-block;padding:0 .45em;border-radius:4px;font-weight:600}"
    ".faces{display:flex;flex-wrap:wrap;gap:12px}"
    ".faces figure{margin:0;flex:1 1 140px;max-width:260px}"
    ".faces img{width:100%;height:auto;border:1px solid #ccc;border-radius:6px}"
    ".pages img{max-width:min(100%,320px);height:auto;border:1px solid #ccc;margin:4px 0}"
    "label{display:block;margin:1em 0}"
    ".stopped small{color:#555;margin-left:.6em}"
)


@dataclass(frozen=True)
class Pictures:
    """URLs of the images the page shows (the demo's own media routes)."""

    portrait: str | None  # the document's portrait (a crop of the page, or the page)
    selfie: str | None  # the frame the face match compares
    pages: list[str]


def _humanise(code: str) -> str:
    return code.replace("_", " ").lower()


def _reason(code: str | None) -> str:
    if not code:
        return ""
    return _REASONS.get(code, _humanise(code))


def _tag(words: str, tone: str) -> str:
    return f'<span class="tag {tone}">{escape(words)}</span>'


def _check_row(check: dict[str, Any], number: int | None, review: bool) -> str:
    name = _CHECK_NAMES.get(check["type"], _humanise(check["type"]).capitalize() + "?")
    if number is not None:
        name = f"{name} (attempt {number})"
    report = check.get("report") or {}
    recommendation = report.get("recommendation") or {}
    value = recommendation.get("value")
    if check["state"] == "DONE" and value:
        words, tone = _VALUES.get(value, (_humanise(value), "unsure"))
        why = _reason(recommendation.get("reason"))
        if check["type"] == "LIVENESS" and value == "REJECT":
            why = LIVENESS_REFUSED  # Yoti gives no reason; the newcomer needs one
        suggestion = recommendation.get("recovery_suggestion")
        if suggestion:
            why = ", ".join(x for x in (why, _reason(suggestion)) if x)
        verdict = _tag(words, tone) + (f" &mdash; {escape(why)}" if why else "")
    elif check["state"] == "INTERNAL_ERROR":
        verdict = _tag("Failed to run", "bad") + " &mdash; the engine failed; see the log"
    elif check["state"] == "PENDING":
        waiting = "waiting for a reviewer in the console" if review else "being checked"
        verdict = _tag("Waiting", "wait") + f" &mdash; {waiting}"
    else:
        verdict = _tag("Not started", "wait")
    return f"<tr><th>{escape(name)}</th><td>{verdict}</td></tr>"


def _task_row(task: dict[str, Any], review: bool) -> str:
    name = _TASK_NAMES.get(task["type"], _humanise(task["type"]).capitalize())
    recommendation = task.get("recommendation") or {}
    value = recommendation.get("value")
    if task["state"] == "DONE" and value:
        words, tone = _VALUES.get(value, (_humanise(value), "unsure"))
        reason = recommendation.get("reason") or {}
        why = _reason(reason.get("value"))
        verdict = _tag(words, tone) + (f" &mdash; {escape(why)}" if why else "")
    elif task["state"] == "PENDING":
        waiting = "waiting for a reviewer to type the fields" if review else "being read"
        verdict = _tag("Waiting", "wait") + f" &mdash; {waiting}"
    else:
        verdict = _tag(_humanise(task["state"]).capitalize(), "wait")
    return f"<tr><th>{escape(name)}</th><td>{verdict}</td></tr>"


def tasks_of(session: dict[str, Any]) -> list[dict[str, Any]]:
    resources = session.get("resources") or {}
    documents = resources.get("id_documents", []) + resources.get("supplementary_documents", [])
    return [task for document in documents for task in document.get("tasks", [])]


def outcome(session: dict[str, Any], review: bool) -> tuple[str, str]:
    """(words, tone) for the whole session, as the integrator would decide it."""
    checks = session.get("checks", [])
    items = [*checks, *tasks_of(session)]
    if session["state"] == "EXPIRED":
        return "The session expired before it was finished.", "bad"
    if any(item["state"] not in ("DONE", "INTERNAL_ERROR") for item in items):
        if review and any(item["state"] == "PENDING" for item in items):
            return (
                "Waiting for a reviewer: open the console to decide. This page updates itself.",
                "wait",
            )
        return "Checking your evidence. This page updates itself.", "wait"
    values = [
        (c.get("report") or {}).get("recommendation", {}).get("value")
        for c in checks
        if c["type"] != "LIVENESS"
    ]
    liveness = [
        (c.get("report") or {}).get("recommendation", {}).get("value")
        for c in checks
        if c["type"] == "LIVENESS"
    ]
    if any(item["state"] == "INTERNAL_ERROR" for item in items):
        return "Something failed on the server: see its log.", "bad"
    if "REJECT" in values:
        return "Not verified: at least one check said no.", "bad"
    if liveness and "APPROVE" not in liveness:
        if "REJECT" in liveness:
            return "Not verified: the capture was not judged a live person (see below).", "bad"
        values.append("NOT_AVAILABLE")
    if all(v == "APPROVE" for v in values):
        return "Verified: every check passed.", "good"
    return "Not decided: some checks could not tell (a reviewer would look at these).", "unsure"


def fields_table(fields: dict[str, Any] | None) -> str:
    if not fields:
        return "<p>No fields were read from the document.</p>"
    rows = []
    known = {key for key, _ in _FIELDS}
    for key, label in _FIELDS:
        value = fields.get(key)
        if isinstance(value, str | int) and str(value):
            rows.append(f"<tr><th>{escape(label)}</th><td>{escape(str(value))}</td></tr>")
    for key, value in fields.items():
        if key not in known and isinstance(value, str) and value:
            rows.append(f"<tr><th>{escape(_humanise(key))}</th><td>{escape(value)}</td></tr>")
    return f"<table>{''.join(rows)}</table>"


def render(
    session: dict[str, Any],
    *,
    review: bool,
    fields: dict[str, Any] | None,
    pictures: Pictures,
    error: str | None,
    raw: str,
) -> str:
    words, tone = outcome(session, review)
    if error and session["state"] != "COMPLETED":
        # Stopped before its evidence was complete: that is the outcome, not "checking".
        words, tone = stopped(error), "bad"
    checks = session.get("checks", [])
    attempts = sum(1 for c in checks if c["type"] == "LIVENESS")
    rows, number = [], 0
    for check in checks:
        if check["type"] == "LIVENESS" and attempts > 1:
            number += 1
            rows.append(_check_row(check, number, review))
        else:
            rows.append(_check_row(check, None, review))
    rows += [_task_row(task, review) for task in tasks_of(session)]
    faces = "".join(
        f'<figure><img alt="{escape(alt)}" src="{escape(url)}"><figcaption>{escape(caption)}'
        "</figcaption></figure>"
        for url, alt, caption in (
            (pictures.portrait, "portrait on the document", "On the document"),
            (pictures.selfie, "the selfie frame compared", "In front of the camera"),
        )
        if url
    )
    pages = "".join(
        f'<img alt="document page {i}" src="{escape(url)}">'
        for i, url in enumerate(pictures.pages, 1)
    )
    # The code in small print beside "Start again": for the developer, and for a search.
    again = (
        '<p class="stopped"><a href="/demo">Start again</a>'
        f"<small>capture page error code {escape(error[:12])}</small></p>"
        if error
        else ""
    )
    console = (
        '<p><a href="/console">Open the review console</a> (sign in with an account from '
        "<code>openidv reviewer add</code>).</p>"
        if review
        else ""
    )
    return (
        f'<p class="outcome {tone}" role="status">{escape(words)}</p>{again}{console}'
        f"<h2>Checks</h2><table>{''.join(rows)}</table>"
        f"<h2>Read from the document</h2>{fields_table(fields)}"
        f"<h2>Faces compared</h2>"
        f'<div class="faces">{faces or "<p>No face images yet.</p>"}</div>'
        f'<h2>Document</h2><div class="pages">{pages or "<p>No page yet.</p>"}</div>'
        '<p><a href="/demo">Start again</a></p>'
        f"<details><summary>Session <code>{escape(session['session_id'])}</code> as the API "
        f"returns it</summary><pre>{escape(raw)}</pre></details>"
    )
