"""The session specification (body of ``POST /sessions``), every field of Yoti's wire format.

Validation is strict: unknown fields, unknown enum values and wrong JSON types are refused with
the JSON path of the offending property. Fields that other official SDKs send for products this
server does not offer (watchlists, in-branch verification, identity profiles) are recognised and
refused with a message that says so, rather than accepted and silently never fulfilled.

Discriminated unions are tagged ``tag:<TYPE>`` (see ``_tagged``) so that error locations can drop
the tag and name the property as the integrator wrote it (``requested_checks[1].config...``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from openidv.sessions.catalogue import COUNTRY_CODES, ID_DOCUMENT_TYPES

TAG_PREFIX = "tag:"


def drop_nulls(value: Any) -> Any:
    """JSON ``null`` means "absent" for every property: Java's builders serialise unset fields as
    ``null`` and Go's as nothing, and both mean the default. A required property sent as
    ``null`` is then reported missing ("must not be null or empty"), as Yoti words it."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if v is not None}
    return value


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, value: Any) -> Any:
        return drop_nulls(value)


def _tag_of(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return f"{TAG_PREFIX}{kind}" if isinstance(kind, str) else None


def _unsupported(what: str) -> Any:
    def refuse(value: Any) -> Any:
        if value is None or value is False:  # asking for nothing is fine
            return value
        raise PydanticCustomError(
            "unsupported", "{what} is not supported by this server", {"what": what}
        )

    return BeforeValidator(refuse)


# ---------------------------------------------------------------------------- common values

ManualCheck = Literal["ALWAYS", "FALLBACK", "NEVER"]
Colour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2048)]
Inclusion = Annotated[
    Literal["WHITELIST", "BLACKLIST"],
    # One production integrator sends INCLUDE/EXCLUDE, which Yoti's API accepts.
    BeforeValidator(
        lambda v: (
            {"INCLUDE": "WHITELIST", "EXCLUDE": "BLACKLIST"}.get(v, v) if isinstance(v, str) else v
        )
    ),
]


def _known_country(code: str) -> str:
    if code not in COUNTRY_CODES:
        raise PydanticCustomError(
            "country_code",
            "must be an ISO 3166-1 alpha-3 country code, got '{code}'",
            {"code": code},
        )
    return code


CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(_known_country)]
IdDocumentType = Literal[ID_DOCUMENT_TYPES]  # type: ignore[valid-type]
# Supplementary document types are an open list at Yoti (bills, statements, letters...).
SupplementaryDocumentType = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]
NonEmptyStr = Annotated[str, Field(min_length=1, max_length=1024)]
# Upper bounds on every list (a 1.4 MB filter froze every configuration read): far above what
# an integrator writes (a whitelist of every country is under 250 codes).
MAX_ITEMS = 200
MAX_COUNTRIES = 300
MAX_TYPES = 50


# ---------------------------------------------------------------------------- document filters


class DocumentRestriction(WireModel):
    country_codes: list[CountryCode] | None = Field(default=None, max_length=MAX_COUNTRIES)
    document_types: list[IdDocumentType] | None = Field(default=None, max_length=MAX_TYPES)


class DocumentRestrictionsFilter(WireModel):
    type: Literal["DOCUMENT_RESTRICTIONS"]
    inclusion: Inclusion
    documents: list[DocumentRestriction] = Field(min_length=1, max_length=MAX_ITEMS)
    allow_expired_documents: bool | None = None
    allow_non_latin_documents: bool | None = None


class CountryRestriction(WireModel):
    inclusion: Inclusion
    country_codes: list[CountryCode] = Field(min_length=1, max_length=MAX_COUNTRIES)


class TypeRestriction(WireModel):
    inclusion: Inclusion
    document_types: list[IdDocumentType] = Field(min_length=1, max_length=MAX_TYPES)


class OrthogonalRestrictionsFilter(WireModel):
    type: Literal["ORTHOGONAL_RESTRICTIONS"]
    country_restriction: CountryRestriction | None = None
    type_restriction: TypeRestriction | None = None
    allow_expired_documents: bool | None = None
    allow_non_latin_documents: bool | None = None


DocumentFilter = Annotated[
    Annotated[DocumentRestrictionsFilter, Tag("tag:DOCUMENT_RESTRICTIONS")]
    | Annotated[OrthogonalRestrictionsFilter, Tag("tag:ORTHOGONAL_RESTRICTIONS")],
    Discriminator(_tag_of),
]


# ---------------------------------------------------------------------------- requested checks


class IssuingAuthoritySubCheck(WireModel):
    requested: bool
    filter: DocumentFilter | None = None


class AuthenticityConfig(WireModel):
    manual_check: ManualCheck | None = None
    issuing_authority_sub_check: IssuingAuthoritySubCheck | None = None


class ManualCheckConfig(WireModel):
    manual_check: ManualCheck | None = None


class EmptyConfig(WireModel):
    pass


def _only_never(value: Any) -> Any:
    if value is not None and value != "NEVER":
        raise PydanticCustomError("manual_check", "this check has no manual review; only NEVER")
    return value


class LivenessConfig(WireModel):
    liveness_type: Literal["ZOOM", "STATIC"]
    # The number of attempts in all. 1 is the Node, Java, PHP and .NET builders' default and
    # what Go means by leaving it out. Capped so nobody gets unlimited spoof attempts.
    max_retries: int = Field(default=1, ge=1, le=10)
    # FALLBACK / ALWAYS only when the operator enabled liveness review (sessions.rules).
    manual_check: ManualCheck | None = None


class AuthenticityCheck(WireModel):
    type: Literal["ID_DOCUMENT_AUTHENTICITY"]
    config: AuthenticityConfig = AuthenticityConfig()


class DocumentComparisonCheck(WireModel):
    type: Literal["ID_DOCUMENT_COMPARISON"]
    config: EmptyConfig = EmptyConfig()


class FaceMatchCheck(WireModel):
    type: Literal["ID_DOCUMENT_FACE_MATCH"]
    config: ManualCheckConfig = ManualCheckConfig()


class FaceComparisonConfig(WireModel):
    manual_check: Annotated[ManualCheck | None, AfterValidator(_only_never)] = None


class FaceComparisonCheck(WireModel):
    """The face the relying business uploads (a FACE_CAPTURE resource) against the user's."""

    type: Literal["FACE_COMPARISON"]
    config: FaceComparisonConfig = FaceComparisonConfig()


class LivenessCheck(WireModel):
    type: Literal["LIVENESS"]
    config: LivenessConfig


# Check types other SDKs can request that need what this server does not have (watchlist and
# fraud data sources, in-branch verification), each refused naming its feature.
UNSUPPORTED_CHECKS = {
    "WATCHLIST_SCREENING": "watchlist screening",
    "WATCHLIST_ADVANCED_CA": "advanced watchlist screening",
    "THIRD_PARTY_IDENTITY": "third-party identity",
    "IBV_VISUAL_REVIEW_CHECK": "in-branch verification",
    "PROFILE_DOCUMENT_MATCH": "in-branch verification",
    "DOCUMENT_SCHEME_VALIDITY_CHECK": "in-branch verification",
}


def _refuse_check(kind: Any) -> Any:
    raise PydanticCustomError(
        "unsupported",
        "{what} is not supported by this server",
        {"what": UNSUPPORTED_CHECKS.get(kind, "this check type")},
    )


class UnsupportedCheck(WireModel):
    type: Annotated[str, BeforeValidator(_refuse_check)]
    config: Any = None


RequestedCheck = Annotated[
    Annotated[AuthenticityCheck, Tag("tag:ID_DOCUMENT_AUTHENTICITY")]
    | Annotated[DocumentComparisonCheck, Tag("tag:ID_DOCUMENT_COMPARISON")]
    | Annotated[FaceMatchCheck, Tag("tag:ID_DOCUMENT_FACE_MATCH")]
    | Annotated[LivenessCheck, Tag("tag:LIVENESS")]
    | Annotated[FaceComparisonCheck, Tag("tag:FACE_COMPARISON")]
    | Annotated[UnsupportedCheck, Tag("tag:WATCHLIST_SCREENING")]
    | Annotated[UnsupportedCheck, Tag("tag:WATCHLIST_ADVANCED_CA")]
    | Annotated[UnsupportedCheck, Tag("tag:THIRD_PARTY_IDENTITY")]
    | Annotated[UnsupportedCheck, Tag("tag:IBV_VISUAL_REVIEW_CHECK")]
    | Annotated[UnsupportedCheck, Tag("tag:PROFILE_DOCUMENT_MATCH")]
    | Annotated[UnsupportedCheck, Tag("tag:DOCUMENT_SCHEME_VALIDITY_CHECK")],
    Discriminator(_tag_of),
]


# ---------------------------------------------------------------------------- requested tasks


class TextExtractionConfig(WireModel):
    manual_check: ManualCheck | None = None
    chip_data: Literal["DESIRED", "IGNORE"] | None = None
    create_expanded_document_fields: bool | None = None


class TextExtractionTask(WireModel):
    type: Literal["ID_DOCUMENT_TEXT_DATA_EXTRACTION"]
    config: TextExtractionConfig = TextExtractionConfig()


class SupplementaryTextExtractionTask(WireModel):
    type: Literal["SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION"]
    config: ManualCheckConfig = ManualCheckConfig()


RequestedTask = Annotated[
    Annotated[TextExtractionTask, Tag("tag:ID_DOCUMENT_TEXT_DATA_EXTRACTION")]
    | Annotated[
        SupplementaryTextExtractionTask, Tag("tag:SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION")
    ],
    Discriminator(_tag_of),
]


# ---------------------------------------------------------------------------- required documents


class RequiredIdDocument(WireModel):
    type: Literal["ID_DOCUMENT"]
    filter: DocumentFilter | None = None


class Objective(WireModel):
    type: Literal["PROOF_OF_ADDRESS"]


class RequiredSupplementaryDocument(WireModel):
    type: Literal["SUPPLEMENTARY_DOCUMENT"]
    objective: Objective | None = None
    document_types: list[SupplementaryDocumentType] | None = Field(
        default=None, max_length=MAX_ITEMS
    )
    country_codes: list[CountryCode] | None = Field(default=None, max_length=MAX_COUNTRIES)
    filter: DocumentFilter | None = None


RequiredDocument = Annotated[
    Annotated[RequiredIdDocument, Tag("tag:ID_DOCUMENT")]
    | Annotated[RequiredSupplementaryDocument, Tag("tag:SUPPLEMENTARY_DOCUMENT")],
    Discriminator(_tag_of),
]


# ---------------------------------------------------------------------------- notifications, sdk


NotificationTopic = Literal[
    "RESOURCE_UPDATE",
    "TASK_COMPLETION",
    "CHECK_COMPLETION",
    "SESSION_COMPLETION",
    "CLIENT_SESSION_TOKEN_DELETED",
    "NEW_PDF_SUPPLIED",
    "INSTRUCTIONS_EMAIL_REQUESTED",
    "THANK_YOU_EMAIL_REQUESTED",
    "FIRST_BRANCH_VISIT",
]


class Notifications(WireModel):
    endpoint: HttpUrl
    # Creation uses upper case, Yoti's own docs show lower case: both are accepted.
    topics: Annotated[
        list[NotificationTopic] | None,
        BeforeValidator(
            lambda v: (
                [t.upper() if isinstance(t, str) else t for t in v] if isinstance(v, list) else v
            )
        ),
        Field(max_length=MAX_TYPES),
    ] = None
    auth_token: Annotated[str, Field(max_length=4096)] | None = None
    auth_type: Literal["BASIC", "BEARER"] | None = None

    @field_validator("topics")
    @classmethod
    def _deduplicate(cls, topics: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(topics)) if topics is not None else None


SuppressedScreen = Literal[
    "ID_DOCUMENT_EDUCATION",
    "ID_DOCUMENT_REQUIREMENTS",
    "SUPPLEMENTARY_DOCUMENT_EDUCATION",
    "ZOOM_LIVENESS_EDUCATION",
    "STATIC_LIVENESS_EDUCATION",
    "FACE_CAPTURE_EDUCATION",
    "FLOW_COMPLETION",
]
AttemptCategory = Literal["GENERIC", "RECLASSIFICATION"]


class SdkConfig(WireModel):
    allowed_capture_methods: Literal["CAMERA", "CAMERA_AND_UPLOAD"] | None = None
    primary_colour: Colour | None = None
    secondary_colour: Colour | None = None
    font_colour: Colour | None = None
    locale: Annotated[str, Field(pattern=r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$")] | None = None
    preset_issuing_country: CountryCode | None = None
    success_url: HttpUrl | None = None
    error_url: HttpUrl | None = None
    privacy_policy_url: HttpUrl | None = None
    allow_handoff: bool | None = None
    brand_id: Annotated[str, Field(max_length=255)] | None = None
    suppressed_screens: list[SuppressedScreen] | None = Field(default=None, max_length=MAX_TYPES)
    attempts_configuration: (
        dict[
            Literal["ID_DOCUMENT_TEXT_DATA_EXTRACTION"],
            dict[AttemptCategory, Annotated[int, Field(ge=0, le=10)]],
        ]
        | None
    ) = None
    biometric_consent_flow: Literal["EARLY", "JUST_IN_TIME"] | None = None
    dark_mode: Literal["ON", "OFF", "AUTO"] | None = None
    primary_colour_dark_mode: Colour | None = None


class ImportToken(WireModel):
    # 30 to 365 days, as the PHP SDK validates.
    ttl: int = Field(ge=30 * 86400, le=365 * 86400)


class Subject(WireModel):
    subject_id: Annotated[str, Field(min_length=1, max_length=255)]


def _no_branch(value: Any) -> Any:
    if value == "MANDATORY":
        raise PydanticCustomError(
            "unsupported", "in-branch verification is not supported by this server"
        )
    return value


class IbvOptions(WireModel):
    # In-branch verification cannot be offered here: only NOT_ALLOWED.
    support: Annotated[Literal["NOT_ALLOWED"], BeforeValidator(_no_branch)]
    guidance_url: HttpUrl | None = None
    user_price: dict[str, Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=MAX_TYPES
    )


# ---------------------------------------------------------------------------- the spec


def _text_only(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "must be an RFC 3339 date-time string")
    return value


# Null-stripping hands the fields Python objects, where strict mode refuses every string for a
# datetime: this one field parses its text laxly (the same RFC 3339 parser as JSON mode).
Deadline = Annotated[dt.datetime, Field(strict=False), BeforeValidator(_text_only)]


class SessionSpec(WireModel):
    client_session_token_ttl: int | None = Field(default=None, gt=300, le=2**31 - 1)
    session_deadline: Deadline | None = None
    resources_ttl: int | None = Field(default=None, le=2**31 - 1)
    import_token: ImportToken | None = None
    user_tracking_id: Annotated[str, Field(max_length=255)] | None = None
    notifications: Notifications | None = None
    requested_checks: list[RequestedCheck] = Field(default_factory=list, max_length=20)
    requested_tasks: list[RequestedTask] = Field(default_factory=list, max_length=10)
    sdk_config: SdkConfig | None = None
    required_documents: list[RequiredDocument] = Field(default_factory=list, max_length=10)
    block_biometric_consent: bool | None = None
    # Go 3.13+: whether the capture client may keep ephemeral media. The capture page here
    # keeps nothing beyond the evidence it submits, so either value is honoured as it stands.
    ephemeral_media: bool | None = None
    subject: Subject | None = None
    ibv_options: IbvOptions | None = None
    identity_profile_requirements: Annotated[Any, _unsupported("identity profiles")] = None
    advanced_identity_profile_requirements: Annotated[
        Any, _unsupported("advanced identity profiles")
    ] = None
    create_identity_profile_preview: Annotated[Any, _unsupported("identity profile previews")] = (
        None
    )
    resources: Annotated[
        Any, _unsupported("in-branch verification (applicant profile resources)")
    ] = None

    @field_validator("session_deadline")
    @classmethod
    def _deadline_has_zone(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise PydanticCustomError("timezone", "must be an RFC 3339 date-time with a zone")
        return value
