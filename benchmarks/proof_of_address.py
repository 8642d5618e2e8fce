"""Proof-of-address extraction (SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION) on generated
bills and statements (``benchmarks/statements.py``: seven kinds, three layouts, four font
families, scans and phone photos).

Each document goes through ``ProofOfAddressEngine`` as a session's would, and is counted:

* decided: the task recommended PROGRESS (its fields go to the result unreviewed);
* each field right (name, postcode, address lines, document date, issuer), over all
  documents, and *wrong while decided* (a field reported with PROGRESS that is not the
  document's: what no reviewer would catch);
* per kind, layout, font and degradation.

Address lines and names are compared without case or spaces (the recogniser's word spacing
is its weak point; a reviewer reads "12St James's Square" as the same line).

    nice -n 10 python benchmarks/proof_of_address.py [--count N] [--start SEED] [-v]
        [--country GBR|none]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
from openidv.checks.proof_of_address import ProofOfAddressEngine

sys.path.insert(0, str(Path(__file__).parent))  # the sibling generator
from statements import DEGRADATIONS, Statement, generate_statement

FIELDS = ("name", "postcode", "address", "date", "issuer")


def _norm(text: str) -> str:
    return "".join(text.split()).upper().replace("\u2019", "'")


def evidence_of(statement: Statement, country: str | None = "GBR") -> Evidence:
    item = MediaItem("page", "image/jpeg", lambda: statement.image)
    resource = EvidenceResource("doc", "SUPPLEMENTARY_DOCUMENT", "UTILITY_BILL", country, None,
                                pages=[item])  # fmt: skip
    return Evidence("s", "SUPPLEMENTARY_DOCUMENT_TEXT_DATA_EXTRACTION", {}, [resource])


def judge(statement: Statement, fields: dict[str, Any]) -> dict[str, bool]:
    """Which of the document's fields were read right (absent counts as not right)."""
    address = fields.get("structured_postal_address") or {}
    printed = [_norm(line) for line in statement.address_lines]
    read = [_norm(line) for line in (address.get("formatted_address") or "").split("\n") if line]
    return {
        "name": _norm(fields.get("full_name", "")) == _norm(statement.name),
        "postcode": address.get("postal_code") == statement.postcode,
        "address": read == printed,
        "date": fields.get("date_of_issue") == statement.document_date.isoformat(),
        "issuer": _norm(fields.get("issuing_authority", "")) == _norm(statement.issuer),
    }


def fields_read(
    statement: Statement, country: str | None = "GBR"
) -> tuple[bool, dict[str, Any], str]:
    result = ProofOfAddressEngine().run(evidence_of(statement, country))
    if result.media:
        return result.decided, json.loads(result.media[0].content), ""
    detail = ((result.recommendation or {}).get("reason") or {}).get("detail", "")
    return result.decided, {}, detail


def run(
    count: int, start: int, verbose: bool, degradation: str | None, country: str | None
) -> None:
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    wrong_decided: Counter[str] = Counter()
    undecided_why: Counter[str] = Counter()
    started = time.monotonic()
    for seed in range(start, start + count):
        statement = generate_statement(seed, degradation)
        decided, fields, why = fields_read(statement, country)
        right = judge(statement, fields) if fields else dict.fromkeys(FIELDS, False)
        totals["documents"] += 1
        totals["decided"] += decided
        if not decided:
            undecided_why[why.split(":")[0] + ": " + why.split(":")[-1].strip()] += 1
        for field, ok in right.items():
            totals[field] += ok
            if decided and not ok:
                wrong_decided[field] += 1
        for key in (statement.kind, statement.layout, statement.font, statement.degradation):
            groups[key]["documents"] += 1
            groups[key]["decided"] += decided
            groups[key]["all"] += decided and all(right.values())
        if verbose and (not decided or not all(right.values())):
            missed = [f for f, ok in right.items() if not ok]
            where = f"{statement.kind}/{statement.layout}/{statement.font}/{statement.degradation}"
            print(f"  seed {seed} {where}: decided={decided} wrong={missed} {why} {fields}")
    n = totals["documents"]
    print(f"proof of address: {n} generated documents (seeds {start}-{start + n - 1}), "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    print(f"  decided (PROGRESS): {totals['decided']}/{n}")
    for field in FIELDS:
        print(f"  {field:<8} right: {totals[field]}/{n} = {100 * totals[field] / n:.1f} %")
    wrong = ", ".join(f"{k} {v}" for k, v in sorted(wrong_decided.items())) or "none"
    print(f"  wrong while decided (no reviewer sees it): {wrong}")
    print("  undecided, why: " + ", ".join(f"{k} ({v})" for k, v in undecided_why.most_common()))
    print(f"  {'group':<24} {'docs':>5} {'decided':>8} {'all right':>10}")
    for key in sorted(groups):
        row = groups[key]
        print(f"  {key:<24} {row['documents']:>5} {row['decided']:>8} {row['all']:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=80)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--degradation", choices=DEGRADATIONS, default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument(
        "--country",
        default="GBR",
        help="the issuing country the session gives the document ('none': not given, so "
        "every country's postal codes are looked for)",
    )
    args = parser.parse_args()
    country = None if args.country.lower() == "none" else args.country
    run(args.count, args.start, args.verbose, args.degradation, country)


if __name__ == "__main__":
    main()
