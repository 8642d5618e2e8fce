"""ID_DOCUMENT_COMPARISON on pairs of documents: genuine pairs (two documents of one person)
and impostor pairs (two people), decided exactly as the check decides them.

Two sets, so that the portrait thresholds are never judged on one corpus alone:

* ``--real-documents DIR``: real specimen documents (a ``truth.jsonl`` as the real-documents
  corpus has). Every pair of documents is compared: each document is read once as the check
  reads it (``read_fields`` over all its sides, judged as of 30 days before its expiry) and
  its portrait measured once (``portrait_embedding`` of its first page); each pair is then
  decided by ``decide`` over ``compare_fields`` and the portraits' similarity. A pair is
  genuine when the truth gives both documents one surname, given names and date of birth
  (the same specimen person across a passport and an ID card, a scan and a photo).
* ``--real-faces DIR``: generated pairs. Each labelled photo of the real-faces corpus is
  printed as the portrait of a generated passport (clean scan) and of a generated ID card
  (phone camera) by the project's renderer (``benchmarks/faces_real.py``), and every passport
  is compared with every other photo's card: genuine when both photos show one person (two
  photos of one person, as two documents issued years apart carry), impostor otherwise. The
  portraits alone are compared here (the generated identities are random): this is the
  ``ai_face_match`` sub-check's measure.

Printed: outcomes (APPROVE / REJECT / undecided) per set for genuine and impostor pairs, the
portrait sub-check's results at the shipped thresholds with 95% intervals, the score
quantiles, and the thresholds each set alone would need for no false match.

    nice -n 10 python benchmarks/document_comparison.py \\
        --real-documents DIR [--real-faces DIR] [--people N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openidv.checks.document_comparison import (
    MISMATCH,
    DocumentData,
    PortraitComparison,
    compare_fields,
    decide,
    portrait_embedding,
    read_fields,
)
from openidv.checks.readers import face_engine
from openidv.vision.faces import APPROVE_AT, REJECT_BELOW, Embedding

sys.path.insert(0, str(Path(__file__).parent))  # the sibling scripts
from faces_real import load_corpus, percentile, rate, render_documents


@dataclass(frozen=True)
class Read:
    id: str
    person: tuple[str, str, str]
    fields: DocumentData
    embedding: Embedding | None
    reason: str | None


def _as_of(truth: dict[str, Any]) -> dt.date:
    expiry = truth.get("expiry")
    if expiry:
        return dt.date.fromisoformat(expiry) - dt.timedelta(days=30)
    return dt.date(2026, 1, 1)


def read_documents(folder: Path) -> list[Read]:
    reads = []
    for line in (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        truth = json.loads(line)
        sides = [(folder / truth["file"]).read_bytes()]
        if truth.get("back"):
            sides.append((folder / truth["back"]).read_bytes())
        fields = read_fields(sides, as_of=_as_of(truth))
        embedding, reason = portrait_embedding(sides[0])
        person = (truth["surname"], truth["given_names"], truth["date_of_birth"])
        reads.append(Read(truth["id"], person, fields, embedding, reason))
    return reads


def _similarity(a: Embedding | None, b: Embedding | None) -> float | None:
    if a is None or b is None:
        return None
    return float(face_engine().compare(a, b))


def _outcome(report: dict[str, Any], decided: bool) -> str:
    value = report["recommendation"]["value"]
    return value if decided else f"undecided {value}"


def _face_result(score: float | None) -> str:
    if score is None:
        return "not measured"
    if score >= APPROVE_AT:
        return "PASS"
    return "REJECT" if score < REJECT_BELOW else "grey"


def _scores_line(label: str, scores: list[float]) -> str:
    if not scores:
        return f"  {label}: none measured"
    qs = " ".join(f"p{q}={percentile(scores, q):.3f}" for q in (0, 5, 50, 95, 100))
    return f"  {label} scores (n={len(scores)}): {qs}"


def _face_table(title: str, genuine: list[float | None], impostor: list[float | None]) -> None:
    print(f"\n{title}  (approve >= {APPROVE_AT:.3f}, reject < {REJECT_BELOW:.3f})")
    for label, scores in (("genuine", genuine), ("impostor", impostor)):
        counts = Counter(_face_result(s) for s in scores)
        measured = [s for s in scores if s is not None]
        n = len(measured)
        print(f"  {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        if label == "genuine":
            print(f"    not approved (FNMR): {rate(n - counts['PASS'], n)}")
            print(f"    rejected outright:   {rate(counts['REJECT'], n)}")
        else:
            print(f"    approved (FMR):      {rate(counts['PASS'], n)}")
            print(f"    not rejected:        {rate(n - counts['REJECT'], n)}")
        print(_scores_line(label, measured))
    g = [s for s in genuine if s is not None]
    i = [s for s in impostor if s is not None]
    if g and i:
        top = max(i)
        print(
            f"  this set alone: highest impostor {top:.3f} (no false match from there up); "
            f"lowest genuine {min(g):.3f}; genuine below the highest impostor: "
            f"{sum(s <= top for s in g)}/{len(g)}"
        )


def run_real_documents(folder: Path) -> None:
    started = time.monotonic()
    reads = read_documents(folder)
    print(f"real documents: {len(reads)} read in {time.monotonic() - started:.0f} s")
    no_face = Counter(r.reason for r in reads if r.embedding is None)
    unread = [r.id for r in reads if not r.fields.family_name]
    print(f"  portraits not measured: {dict(no_face)}; names not read: {len(unread)}")
    sources = Counter(r.fields.sources.get("family_name", "not read") for r in reads)
    print("  family names read from: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())))
    genuine_rows: list[tuple[str, str, tuple[str, str, str], float | None, str]] = []
    impostor_outcomes: Counter[str] = Counter()
    face_genuine: list[float | None] = []
    face_impostor: list[float | None] = []
    caught_by: Counter[str] = Counter()
    for a, b in itertools.combinations(reads, 2):
        data = compare_fields(a.fields, b.fields)
        score = _similarity(a.embedding, b.embedding)
        portraits = PortraitComparison(score, None if score is not None else (a.reason or b.reason))
        result = decide(data, portraits)
        assert result.report is not None
        outcome = _outcome(result.report, result.decided)
        if a.person == b.person:
            genuine_rows.append((a.id, b.id, data.results, score, outcome))
            face_genuine.append(score)
        else:
            impostor_outcomes[outcome] += 1
            face_impostor.append(score)
            if result.decided and result.report["recommendation"]["value"] == "REJECT":
                by = []
                if MISMATCH in data.results and not data.tentative:
                    by.append("data")
                if score is not None and score < REJECT_BELOW:
                    by.append("face")
                caught_by["+".join(by)] += 1
    print(f"\ngenuine pairs (one specimen person on two documents): {len(genuine_rows)}")
    for a_id, b_id, results, score, outcome in genuine_rows:
        shown = "-" if score is None else f"{score:.3f}"
        print(f"  {a_id:>4} {b_id:>4}  data {'/'.join(results):<24} face {shown:>6}  -> {outcome}")
    outcomes = Counter(row[4] for row in genuine_rows)
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    n = sum(impostor_outcomes.values())
    print(f"\nimpostor pairs (two people): {n}")
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(impostor_outcomes.items())))
    print(f"  false APPROVE: {rate(impostor_outcomes['APPROVE'], n)}")
    print("  REJECT decided by: " + ", ".join(f"{k} {v}" for k, v in sorted(caught_by.items())))
    _face_table("real documents, portraits alone (ai_face_match)", face_genuine, face_impostor)


def run_generated(folder: Path, people: int | None) -> None:
    started = time.monotonic()
    photos = load_corpus(folder, people)
    kinds = ("passport-scan", "card-camera")
    documents = render_documents(photos, kinds)
    embeddings: dict[tuple[str, str], Embedding | None] = {}
    for key, page in documents.items():
        embeddings[key] = portrait_embedding(page)[0]
    identity = {p.file: p.identity for p in photos}
    genuine: list[float | None] = []
    impostor: list[float | None] = []
    same_photo: list[float | None] = []
    for a, b in itertools.product(photos, photos):
        score = _similarity(
            embeddings[("passport-scan", a.file)], embeddings[("card-camera", b.file)]
        )
        if a.file == b.file:
            same_photo.append(score)
        elif identity[a.file] == identity[b.file]:
            genuine.append(score)
        else:
            impostor.append(score)
    elapsed = time.monotonic() - started
    unmeasured = sum(e is None for e in embeddings.values())
    print(
        f"\ngenerated pairs: {len(photos)} real-face photos, each on a generated passport (scan) "
        f"and ID card (camera); {unmeasured} of {len(embeddings)} portraits not measured; "
        f"{elapsed:.0f} s"
    )
    _face_table("generated documents, two photos of one person vs two people", genuine, impostor)
    counts = Counter(_face_result(s) for s in same_photo)
    print(
        "  one photo on both documents (a passport and a card issued with the same photo): "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real-documents", type=Path, default=None)
    parser.add_argument("--real-faces", type=Path, default=None)
    parser.add_argument("--people", type=int, default=None, help="--real-faces: N identities")
    args = parser.parse_args()
    if args.real_documents is None and args.real_faces is None:
        parser.error("give --real-documents DIR and/or --real-faces DIR")
    if args.real_documents is not None:
        run_real_documents(args.real_documents)
    if args.real_faces is not None:
        run_generated(args.real_faces, args.people)


if __name__ == "__main__":
    main()
