"""The decisions a reviewer may record, in Yoti's vocabulary (reference §4.4)."""

from __future__ import annotations

NOT_AVAILABLE = (
    "PHOTO_OVEREXPOSED", "PHOTO_TOO_DARK", "PHOTO_TOO_BLURRY", "GLARE_OBSTRUCTION",
    "OBJECT_OBSTRUCTION", "PARTIAL_PHOTO", "IMAGE_RESOLUTION_TOO_LOW", "DOCUMENT_NOT_SUPPORTED",
    "INCORRECT_DOCUMENT_TYPE", "MISSING_DOCUMENT_SIDE", "UNABLE_TO_LOAD", "MISUSE", "INVALID",
)  # fmt: skip
FACE_NOT_AVAILABLE = (
    "PHOTO_OVEREXPOSED", "PHOTO_TOO_DARK", "PHOTO_TOO_BLURRY", "FACE_NOT_FOUND",
    "GLARE_OBSTRUCTION", "OBJECT_OBSTRUCTION", "DOCUMENT_NOT_FOUND", "PARTIAL_PHOTO",
    "FACE_PHOTO_LOW_RESOLUTION", "MISUSE", "INVALID",
)  # fmt: skip

# check type -> {recommendation value -> reasons allowed (empty: no reason)}
CHECK_DECISIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "ID_DOCUMENT_FACE_MATCH": {
        "APPROVE": (),
        "REJECT": (
            "FACE_NOT_GENUINE",
            "LARGE_AGE_GAP",
            "DOCUMENT_COPY",
            "TAMPERED",
            "PHOTO_OF_MASK",
            "PHOTO_OF_PHOTO",
            "DIFFERENT_PERSON",
        ),
        "NOT_AVAILABLE": FACE_NOT_AVAILABLE,
    },
    "ID_DOCUMENT_AUTHENTICITY": {
        "APPROVE": (),
        "REJECT": (
            "DOCUMENT_COPY",
            "NO_HOLOGRAM_MOVEMENT",
            "TAMPERED",
            "MISSING_HOLOGRAM",
            "OTHER_SECURITY_FEATURES",
            "EXPIRED_DOCUMENT",
            "FRAUD_LIST_MATCH",
            "COUNTERFEIT",
        ),
        "NOT_AVAILABLE": NOT_AVAILABLE,
    },
}
# LIVENESS (manual_check FALLBACK/ALWAYS with OPENIDV_LIVENESS_MANUAL_REVIEW): Yoti gives no
# reason on a liveness REJECT; NOT_AVAILABLE takes the face reasons.
CHECK_DECISIONS["LIVENESS"] = {"APPROVE": (), "REJECT": (), "NOT_AVAILABLE": FACE_NOT_AVAILABLE}
# Task decisions: PROGRESS with the fields the reviewer read, or a retry with Yoti's reasons.
TASK_DECISIONS: dict[str, tuple[str, ...]] = {
    "PROGRESS": (),
    "SHOULD_TRY_AGAIN": ("QUALITY", "USER_ERROR"),
    "MUST_TRY_AGAIN": ("QUALITY", "USER_ERROR"),
}
MANUAL_SUB_CHECK = {"ID_DOCUMENT_FACE_MATCH": "manual_face_match"}


def allowed(kind: str, item_type: str, value: str, reason: str | None) -> bool:
    if kind == "task":
        reasons = TASK_DECISIONS.get(value)
    else:
        reasons = CHECK_DECISIONS.get(item_type, CHECK_DECISIONS["ID_DOCUMENT_AUTHENTICITY"]).get(
            value
        )
    if reasons is None:
        return False
    if not reasons:
        return reason is None
    return reason in reasons
