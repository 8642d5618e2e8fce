"""Session specs used across the API tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

# The seed page's "full example payload" exactly as published, minus its // comments and with
# the comma its sdk_config is missing after "CAMERA_AND_UPLOAD" (shared with the benchmarks).
SEED_PAYLOAD: dict[str, Any] = json.loads((Path(__file__).parent / "seed_payload.json").read_text())

# Every field of the spec that this server accepts, as the union of the official SDKs sends it.
EVERY_FIELD: dict[str, Any] = {
    "client_session_token_ttl": 900,
    "resources_ttl": 900 + 86400,
    "import_token": {"ttl": 30 * 86400},
    "user_tracking_id": "tracking-123",
    "notifications": {
        "endpoint": "https://example.com/hook",
        "topics": [
            "RESOURCE_UPDATE",
            "TASK_COMPLETION",
            "CHECK_COMPLETION",
            "SESSION_COMPLETION",
            "CLIENT_SESSION_TOKEN_DELETED",
        ],
        "auth_token": "user:password",
        "auth_type": "BASIC",
    },
    "requested_checks": [
        {
            "type": "ID_DOCUMENT_AUTHENTICITY",
            "config": {
                "manual_check": "ALWAYS",
                "issuing_authority_sub_check": {
                    "requested": True,
                    "filter": {
                        "type": "ORTHOGONAL_RESTRICTIONS",
                        "country_restriction": {"inclusion": "WHITELIST", "country_codes": ["GBR"]},
                    },
                },
            },
        },
        {"type": "ID_DOCUMENT_COMPARISON", "config": {}},
        {
            "type": "LIVENESS",
            "config": {"liveness_type": "STATIC", "max_retries": 2, "manual_check": "NEVER"},
        },
        {"type": "ID_DOCUMENT_FACE_MATCH", "config": {"manual_check": "NEVER"}},
    ],
    "requested_tasks": [
        {
            "type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION",
            "config": {
                "manual_check": "ALWAYS",
                "chip_data": "DESIRED",
                "create_expanded_document_fields": True,
            },
        },
        {
            "type": "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION",
            "config": {"manual_check": "FALLBACK"},
        },
    ],
    "sdk_config": {
        "allowed_capture_methods": "CAMERA",
        "primary_colour": "#2d9fff",
        "secondary_colour": "#FFFFFF",
        "font_colour": "#000000",
        "locale": "en-GB",
        "preset_issuing_country": "GBR",
        "success_url": "https://example.com/success",
        "error_url": "https://example.com/error",
        "privacy_policy_url": "https://example.com/privacy",
        "allow_handoff": True,
        "brand_id": "brand-1",
        "suppressed_screens": ["ID_DOCUMENT_EDUCATION", "ZOOM_LIVENESS_EDUCATION"],
        "attempts_configuration": {
            "ID_DOCUMENT_TEXT_DATA_EXTRACTION": {"GENERIC": 3, "RECLASSIFICATION": 1}
        },
        "biometric_consent_flow": "EARLY",
        "dark_mode": "AUTO",
        "primary_colour_dark_mode": "#112233",
    },
    "required_documents": [
        {
            "type": "ID_DOCUMENT",
            "filter": {
                "type": "DOCUMENT_RESTRICTIONS",
                "inclusion": "WHITELIST",
                "documents": [{"country_codes": ["GBR"], "document_types": ["PASSPORT"]}],
                "allow_expired_documents": False,
                "allow_non_latin_documents": False,
            },
        },
        {
            "type": "ID_DOCUMENT",
            "filter": {
                "type": "ORTHOGONAL_RESTRICTIONS",
                "country_restriction": {"inclusion": "BLACKLIST", "country_codes": ["USA"]},
                "type_restriction": {
                    "inclusion": "WHITELIST",
                    "document_types": ["DRIVING_LICENCE"],
                },
            },
        },
        {
            "type": "SUPPLEMENTARY_DOCUMENT",
            "objective": {"type": "PROOF_OF_ADDRESS"},
            "document_types": ["UTILITY_BILL"],
            "country_codes": ["GBR"],
        },
    ],
    "block_biometric_consent": False,
    "ephemeral_media": True,
    "subject": {"subject_id": "subject-1"},
    "ibv_options": {"support": "NOT_ALLOWED"},
}


def seed() -> dict[str, Any]:
    return copy.deepcopy(SEED_PAYLOAD)


def every_field() -> dict[str, Any]:
    return copy.deepcopy(EVERY_FIELD)
