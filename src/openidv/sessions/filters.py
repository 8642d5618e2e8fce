"""Which documents a required-document filter lets the end user present.

One answer for the three places that need it: the capture configuration (what the page
offers), session creation (a filter that leaves nothing is refused) and the capture client's
resource creation (the user may declare only what was offered). Filters are matched with sets
and the answer memoised per filter: a filter of many entries costs once, not on every
configuration read.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from openidv.sessions import results as out
from openidv.sessions.catalogue import supported_documents


def _listed(values: list[str] | None) -> frozenset[str] | None:
    return frozenset(values) if values else None


@lru_cache(maxsize=1024)
def _offered(filter_json: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    filter_: dict[str, Any] | None = json.loads(filter_json)
    catalogue = supported_documents()["supported_countries"]
    if filter_ is None:
        return tuple(
            (c["code"], tuple(d["type"] for d in c["supported_documents"])) for c in catalogue
        )
    if filter_["type"] == "DOCUMENT_RESTRICTIONS":
        entries = [
            (_listed(d.get("country_codes")), _listed(d.get("document_types")))
            for d in filter_["documents"]
        ]
        include = filter_["inclusion"] == "WHITELIST"

        def allowed(country: str, kind: str) -> bool:
            matches = any(
                (countries is None or country in countries) and (kinds is None or kind in kinds)
                for countries, kinds in entries
            )
            return matches if include else not matches

    else:
        country_rule = filter_.get("country_restriction")
        type_rule = filter_.get("type_restriction")
        listed_countries = frozenset(country_rule["country_codes"]) if country_rule else None
        listed_kinds = frozenset(type_rule["document_types"]) if type_rule else None

        def allowed(country: str, kind: str) -> bool:
            ok = True
            if country_rule is not None and listed_countries is not None:
                ok &= (country in listed_countries) == (country_rule["inclusion"] == "WHITELIST")
            if type_rule is not None and listed_kinds is not None:
                ok &= (kind in listed_kinds) == (type_rule["inclusion"] == "WHITELIST")
            return ok

    offered = []
    for country in catalogue:
        kinds = tuple(
            d["type"] for d in country["supported_documents"] if allowed(country["code"], d["type"])
        )
        if kinds:
            offered.append((country["code"], kinds))
    return tuple(offered)


def offered(filter_: dict[str, Any] | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(country, document types) pairs the filter leaves, in catalogue order."""
    return _offered(json.dumps(filter_, sort_keys=True))


def document_allowed(filter_: dict[str, Any] | None, country: str, kind: str) -> bool:
    """Whether the user may present this document for a requirement with this filter."""
    return any(code == country and kind in kinds for code, kinds in offered(filter_))


def filtered_countries(filter_: dict[str, Any] | None) -> list[out.SupportedCountry]:
    return [
        out.SupportedCountry(
            code=code, supported_documents=[out.SupportedDocument(type=k) for k in kinds]
        )
        for code, kinds in offered(filter_)
    ]


def allows_expired(filter_: dict[str, Any] | None) -> bool:
    """Whether a required-document filter accepts a document past its expiry (Yoti's default:
    no). Expiry is known only once the document is read, so the engines judge it
    (``EvidenceResource.allow_expired_documents``), not the offer above."""
    return bool(filter_ and filter_.get("allow_expired_documents"))
