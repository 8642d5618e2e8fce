"""Bilingual field captions printed above each VIZ value (English / issuer's language).

Kept apart from the reader's own caption table on purpose: the reader must recognise what a
document prints, not what this generator happens to know.
"""

from __future__ import annotations

__all__ = ["LABELS", "TITLES", "caption"]

LABELS: dict[str, dict[str, str]] = {
    "surname": {
        "en": "Surname",
        "fr": "Nom",
        "de": "Name",
        "es": "Apellidos",
        "it": "Cognome",
        "nl": "Naam",
    },
    "given_names": {
        "en": "Given names",
        "fr": "Prénoms",
        "de": "Vornamen",
        "es": "Nombres",
        "it": "Nome",
        "nl": "Voornamen",
    },
    "nationality": {
        "en": "Nationality",
        "fr": "Nationalité",
        "de": "Staatsangehörigkeit",
        "es": "Nacionalidad",
        "it": "Cittadinanza",
        "nl": "Nationaliteit",
    },
    "date_of_birth": {
        "en": "Date of birth",
        "fr": "Date de naissance",
        "de": "Geburtsdatum",
        "es": "Fecha de nacimiento",
        "it": "Data di nascita",
        "nl": "Geboortedatum",
    },
    "sex": {
        "en": "Sex",
        "fr": "Sexe",
        "de": "Geschlecht",
        "es": "Sexo",
        "it": "Sesso",
        "nl": "Geslacht",
    },
    "place_of_birth": {
        "en": "Place of birth",
        "fr": "Lieu de naissance",
        "de": "Geburtsort",
        "es": "Lugar de nacimiento",
        "it": "Luogo di nascita",
        "nl": "Geboorteplaats",
    },
    "date_of_issue": {
        "en": "Date of issue",
        "fr": "Date de délivrance",
        "de": "Ausstellungsdatum",
        "es": "Fecha de expedición",
        "it": "Data di rilascio",
        "nl": "Datum van afgifte",
    },
    "expiry_date": {
        "en": "Date of expiry",
        "fr": "Date d'expiration",
        "de": "Gültig bis",
        "es": "Fecha de caducidad",
        "it": "Scadenza",
        "nl": "Geldig tot",
    },
    "document_number": {
        "en": "Document no.",
        "fr": "N° du document",
        "de": "Dokumentennummer",
        "es": "Núm. de documento",
        "it": "N. documento",
        "nl": "Documentnummer",
    },
    "authority": {
        "en": "Authority",
        "fr": "Autorité",
        "de": "Behörde",
        "es": "Autoridad",
        "it": "Autorità",
        "nl": "Instantie",
    },
}

TITLES = {
    "TD3": {
        "en": "PASSPORT",
        "fr": "PASSEPORT",
        "de": "REISEPASS",
        "es": "PASAPORTE",
        "it": "PASSAPORTO",
        "nl": "PASPOORT",
    },
    "ID": {
        "en": "IDENTITY CARD",
        "fr": "CARTE D'IDENTITÉ",
        "de": "PERSONALAUSWEIS",
        "es": "DOCUMENTO DE IDENTIDAD",
        "it": "CARTA DI IDENTITÀ",
        "nl": "IDENTITEITSKAART",
    },
    "VISA": {
        "en": "VISA",
        "fr": "VISA",
        "de": "VISUM",
        "es": "VISADO",
        "it": "VISTO",
        "nl": "VISUM",
    },
}


def caption(field: str, language: str) -> str:
    """'Surname / Nom': English first, as ICAO recommends for the secondary language."""
    labels = LABELS[field]
    return f"{labels['en']} / {labels[language]}"
