"""ID_DOCUMENT_TEXT_DATA_EXTRACTION from the document's MRZ (``openidv.vision.documents``).

The captured pages are read as the sides of one document (`DocumentReader.read_sides`: a
card's MRZ number can be settled with the number printed on its front), and the first that
yields an MRZ whose every check digit holds gives the fields: they become Yoti's
``document_fields`` media and the task recommends PROGRESS. Fields come only from a fully
valid MRZ: a field that failed its check digit is never reported as extracted. A document
number holding G, 6, S or 8 is also compared with the printed one (the reader does that even
here, where the rest of the printed zone is not wanted): G/6 and S/8 misreads pass every
check digit, and a number that differs from the printed one only by such swaps makes the MRZ
uncertain rather than extracted. When no page gives a valid MRZ (blur, glare, a document
without one such as most driving licences), the task recommends SHOULD_TRY_AGAIN with the
reader's reasons and is left undecided, so FALLBACK or ALWAYS send it to manual data entry
and NEVER ends it so.
"""

from __future__ import annotations

import json
from typing import Any

from openidv.checks.engines import Evidence, GeneratedMedia, MachineResult
from openidv.checks.readers import document_reader
from openidv.vision.mrz import to_document_fields


class TextExtractionEngine:
    def run(self, evidence: Evidence) -> MachineResult:
        pages = [page for r in evidence.resources if r.type == "ID_DOCUMENT" for page in r.pages]
        problems: list[str] = []
        readings = document_reader().read_sides([page.load() for page in pages], read_viz=False)
        for reading in readings:
            if reading.mrz is not None and reading.mrz.valid:
                fields = to_document_fields(reading.mrz)
                return MachineResult(
                    decided=True,
                    recommendation={"value": "PROGRESS"},
                    media=[
                        GeneratedMedia(
                            "JSON",
                            "application/json",
                            json.dumps(fields).encode(),
                            "document_fields",
                        )
                    ],
                )
            problems += [str(reason) for reason in reading.reasons]
        detail = "; ".join(dict.fromkeys(problems)) or "no page with a machine-readable zone"
        recommendation: dict[str, Any] = {
            "value": "SHOULD_TRY_AGAIN",
            "reason": {"value": "QUALITY", "detail": detail[:500]},
        }
        return MachineResult(decided=False, recommendation=recommendation)
