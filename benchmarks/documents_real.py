"""Document reading and authenticity on a folder of real documents with their truth.

Called by ``benchmarks/documents.py --real DIR``. DIR holds the images and a
``truth.jsonl`` (one document a line: ``id``, ``file``, optional ``back``, ``format``,
``capture``, ``class`` (``bar``: an ICAO-conformant MRZ whose check digits hold;
``nonconformant``; ``negative``: printed check digits that do not hold), ``mrz`` (the lines
as printed), ``document_number``, ``date_of_birth``, ``expiry``, ``surname``,
``given_names``), as ``../shared/corpora/real-documents/`` has. The images are read where
they lie; nothing is copied.

Each document is read as the engines read it (its sides together), judged as of a date
inside its validity (30 days before its expiry: ``--as-of`` in the CLI), and counted:

* exact MRZ: every line identical to the printed one, over the ``bar`` documents;
* false accepts: a field the text-extraction task reports (its ``document_fields``) that
  differs from the document, names included (no check digit covers them), and anything
  reported for a ``negative`` document; apart, MRZs the reader found valid whose text is
  not the printed one (caught later, or not);
* printed fields: the number, surname and date of birth found printed and agreeing with
  the MRZ (what an APPROVE needs), over the documents with a printed data page or front
  (not MRZ crops, nor a TD1 card's back sent alone);
* authenticity: the recommendation and each sub-check's result, genuine documents that
  came out TAMPERED, and APPROVE over the genuine ``bar`` documents (and over those of them
  sent whole: a card's back alone or an MRZ crop cannot show the printed holder details an
  APPROVE needs);
* per document and per image: a session uploads a two-sided card as the pages of one
  document, and the engines judge them together (the back's MRZ against the front's printed
  zone), so the figures above are per document (a truth line's ``file`` and ``back``). The
  ``ocr_mrz_comparison`` pass rate and APPROVE are printed per image too (each file sent
  alone), to show what pairing the sides gives; a back or a crop the corpus holds no front
  for can only be NOT_AVAILABLE, and is counted apart;
* time per page, the whole read and the MRZ stages alone.

All figures are printed per format and per capture type too.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import statistics
import time
from pathlib import Path
from typing import Any

from openidv.checks.authenticity import assess
from openidv.checks.readers import READ_FIELDS, READING_CACHE_SIZE
from openidv.checks.text_extraction import extract
from openidv.vision.documents import DocumentReader, DocumentReading
from openidv.vision.faces import FaceEngine
from openidv.vision.mrz import MrzResult, ProblemCode

MRZ_STAGES = ("decode", "locate", "quality", "capture")
IDENTIFYING = ("document_number", "surname", "date_of_birth")
# Truth keys and the document_fields keys the text-extraction task reports them under.
REPORTED_FIELDS = {
    "document_number": "document_number",
    "date_of_birth": "date_of_birth",
    "expiry": "expiration_date",
    "surname": "family_name",
    "given_names": "given_names",
}
# The printed-only fields the text-extraction task adds to the MRZ's (the truth file does not
# carry them: reported values are listed with --verbose, to check by eye against the image).
PRINTED_ONLY = ("date_of_issue", "place_of_birth", "issuing_authority", "structured_postal_address")


def percentile(values: list[float], fraction: float) -> float:
    """The value at ``fraction`` of the sorted values (nearest rank); 0 for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else 0.0


def rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.1f} %)" if total else "-"


def as_of(truth: dict[str, Any]) -> dt.date:
    expiry = truth.get("expiry")
    if expiry:
        return dt.date.fromisoformat(expiry) - dt.timedelta(days=30)
    return dt.date.today()


def _mrz_reading(readings: list[DocumentReading]) -> DocumentReading | None:
    with_mrz = [r for r in readings if r.mrz is not None and r.mrz.format is not None]
    return next((r for r in with_mrz if r.mrz_valid), with_mrz[0] if with_mrz else None)


def _mrz_ms(reading: DocumentReading) -> float:
    """Wall time up to the MRZ (``measured``; the capture and quality measures run beside
    the MRZ search), or the sum of those stages when the reader did not record it."""
    timings = reading.timings_ms
    if "measured" in timings:
        return timings["measured"]
    return sum(v for k, v in timings.items() if k in MRZ_STAGES or k.startswith("mrz"))


class RealTally:
    def __init__(self) -> None:
        self.count: collections.Counter[str] = collections.Counter()
        self.exact: collections.Counter[str] = collections.Counter()
        self.printed_total: collections.Counter[str] = collections.Counter()
        self.printed_agree: collections.Counter[str] = collections.Counter()
        self.approve_total: collections.Counter[str] = collections.Counter()
        self.approved: collections.Counter[str] = collections.Counter()
        self.whole_total: collections.Counter[str] = collections.Counter()
        self.whole_approved: collections.Counter[str] = collections.Counter()
        self.outcomes: collections.Counter[str] = collections.Counter()
        # ocr_mrz_comparison PASS, per document and per image ("whole": printing holder details).
        self.compared: collections.Counter[str] = collections.Counter()
        self.compared_total: collections.Counter[str] = collections.Counter()
        self.image_compared: collections.Counter[str] = collections.Counter()
        self.image_total: collections.Counter[str] = collections.Counter()
        self.image_approved: collections.Counter[str] = collections.Counter()
        self.image_approve_total: collections.Counter[str] = collections.Counter()
        self.partial_answers: collections.Counter[str] = collections.Counter()
        self.sub_checks: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self.names_undecided: collections.Counter[str] = collections.Counter()
        self.extracted: collections.Counter[str] = collections.Counter()
        self.extracted_total: collections.Counter[str] = collections.Counter()
        self.printed_only: collections.Counter[str] = collections.Counter()
        self.printed_only_values: list[str] = []
        self.false_accepts: list[str] = []
        self.reader_valid_wrong: list[str] = []
        self.tampered: list[str] = []
        self.misses: list[str] = []
        self.not_approved: list[str] = []
        self.times: list[float] = []
        self.mrz_times: list[float] = []
        self.cpu_times: list[float] = []
        self.stage_times: collections.defaultdict[str, list[float]] = collections.defaultdict(list)

    def _keys(self, truth: dict[str, Any]) -> list[str]:
        return ["all", f"format {truth['format']}", f"capture {truth['capture']}"]

    def add(self, truth: dict[str, Any], readings: list[DocumentReading]) -> None:
        keys = self._keys(truth)
        genuine = truth["class"] != "negative"
        reading = _mrz_reading(readings)
        mrz = reading.mrz if reading is not None else None
        lines = list(mrz.lines) if mrz is not None else []
        if truth["class"] == "bar":
            # Read exactly, every check digit holding; names the reader left undecided
            # (read from illegible characters and found printed nowhere) count as read but
            # are tallied apart: the product reports them as nothing.
            exact = mrz is not None and lines == truth["mrz"] and _only_names_undecided(mrz)
            undecided = exact and mrz is not None and not mrz.valid
            for key in keys:
                self.count[key] += 1
                self.exact[key] += exact
                self.names_undecided[key] += undecided
            if not exact:
                problems = "; ".join(str(p) for p in mrz.problems[:2]) if mrz else "no MRZ"
                self.misses.append(f"{truth['id']} {truth['file']}: {lines or '-'} ({problems})")
        if mrz is not None and mrz.valid and (lines != truth["mrz"] or not genuine):
            self.reader_valid_wrong.append(f"{truth['id']} {lines} != {truth['mrz']}")
        # What the product reports: the text-extraction task's document_fields.
        extraction = extract(readings)
        reported: dict[str, Any] = next(
            (json.loads(m.content) for m in extraction.media if m.role == "document_fields"), {}
        )
        if reported and not genuine:
            self.false_accepts.append(f"{truth['id']} a negative document was extracted")
        for truth_key, key in REPORTED_FIELDS.items():
            expected, got = truth.get(truth_key), reported.get(key)
            if got is not None and expected is not None and got != expected:
                self.false_accepts.append(f"{truth['id']} {key}: {got!r} != {expected!r}")
        for key in keys:
            self.extracted_total[key] += 1
            self.extracted[key] += bool(reported)
        sources = reported.get("field_sources", {})
        for key in PRINTED_ONLY:
            if key in reported:
                self.printed_only[key] += 1
                confidence = sources.get(key, {}).get("confidence")
                self.printed_only_values.append(
                    f"{truth['id']} {truth['file']}: {key} = {reported[key]!r} ({confidence})"
                )
        result = assess(readings)
        report = result.report or {}
        recommendation = report.get("recommendation", {})
        outcome = f"{recommendation.get('value')} {recommendation.get('reason') or ''}".strip()
        self.outcomes[outcome] += 1
        for sub in report.get("breakdown", []):
            self.sub_checks[sub["sub_check"]][sub["result"]] += 1
        if genuine:
            passed = _passed(report, "ocr_mrz_comparison")
            for key in self._keys(truth):
                for scope in ("all", "whole") if _whole(truth) else ("all",):
                    self.compared_total[f"{scope} {key}"] += 1
                    self.compared[f"{scope} {key}"] += passed
            if not _whole(truth):
                # A back or a crop the corpus holds no front for: only NOT_AVAILABLE is honest.
                self.partial_answers[outcome] += 1
        if genuine and recommendation.get("reason") == "TAMPERED":
            self.tampered.append(f"{truth['id']} {truth['file']}: {_details(report)}")
        if _whole(truth) and truth["format"] != "FRA-CNI":
            agreed = _agreed_fields(report)
            for key in keys:
                self.printed_total[key] += 1
                self.printed_agree[key] += set(IDENTIFYING) <= agreed
        if truth["class"] == "bar":
            approved = recommendation.get("value") == "APPROVE"
            for key in keys:
                self.approve_total[key] += 1
                self.approved[key] += approved
                if _whole(truth):
                    self.whole_total[key] += 1
                    self.whole_approved[key] += approved
            if not approved:
                self.not_approved.append(f"{truth['id']} {truth['file']}: {outcome}")

    def add_image(self, truth: dict[str, Any], side: str, readings: list[DocumentReading]) -> None:
        """One image of a document judged alone, as if sent as a one-page document: the
        front of a two-sided card then has no MRZ to compare with, its back no printed zone."""
        if truth["class"] == "negative":
            return
        report = assess(readings).report or {}
        approved = report.get("recommendation", {}).get("value") == "APPROVE"
        # The image prints the holder's details: a whole document's data page or front.
        prints = side == "file" and _whole(truth)
        for key in self._keys(truth):
            for scope in ("all", "whole") if prints else ("all",):
                self.image_total[f"{scope} {key}"] += 1
                self.image_compared[f"{scope} {key}"] += _passed(report, "ocr_mrz_comparison")
            if truth["class"] == "bar":
                self.image_approve_total[key] += 1
                self.image_approved[key] += approved

    def add_times(self, reading: DocumentReading, cpu_ms: float) -> None:
        self.times.append(reading.timings_ms.get("total", 0.0))
        self.mrz_times.append(_mrz_ms(reading))
        self.cpu_times.append(cpu_ms)
        for stage, value in reading.timings_ms.items():
            self.stage_times[stage].append(value)


def _whole(truth: dict[str, Any]) -> bool:
    """The document was sent with its printed holder details: a data page or a card's front,
    not an MRZ crop, nor the back of a TD1 card alone (its MRZ side: ICAO 9303 puts a TD1
    card's MRZ on the back, so a TD1 document with no ``back`` image is that back)."""
    if truth["capture"] == "mrz-crop":
        return False
    return not (truth["format"] == "TD1" and not truth.get("back"))


def _passed(report: dict[str, Any], sub_check: str) -> bool:
    return any(
        sub["sub_check"] == sub_check and sub["result"] == "PASS"
        for sub in report.get("breakdown", [])
    )


def _only_names_undecided(mrz: MrzResult) -> bool:
    return all(
        p.code is ProblemCode.AMBIGUOUS and p.field in ("surname", "given_names")
        for p in mrz.problems
    )


def _details(report: dict[str, Any]) -> str:
    for sub in report.get("breakdown", []):
        if sub["sub_check"] == "ocr_mrz_comparison":
            return ", ".join(f"{d['name']}={d['value']}" for d in sub["details"])
    return ""


def _agreed_fields(report: dict[str, Any]) -> set[str]:
    compared: set[str] = set()
    for sub in report.get("breakdown", []):
        if sub["sub_check"] in ("ocr_mrz_comparison", "front_back_consistency"):
            for detail in sub["details"]:
                if detail["name"] == "compared_fields" and detail["value"] != "none":
                    compared |= set(str(detail["value"]).split(","))
    return compared


def run_real(folder: Path, *, threads: int, verbose: bool) -> None:
    lines = (folder / "truth.jsonl").read_text().splitlines()
    truths = [json.loads(line) for line in lines if line.strip()]
    start = time.perf_counter()
    reader = DocumentReader(
        threads=threads,
        faces=FaceEngine(),
        cache_size=READING_CACHE_SIZE,
        viz_fields=READ_FIELDS,  # as the engines' reader
    )
    print(f"reader start-up: {time.perf_counter() - start:.2f} s")
    tally = RealTally()
    for truth in truths:
        files = [truth["file"], *([truth["back"]] if truth.get("back") else [])]
        images = [(folder / name).read_bytes() for name in files]
        today = as_of(truth)
        for image in images:
            cpu = time.process_time()
            reading = reader.read(image, today=today)
            tally.add_times(reading, (time.process_time() - cpu) * 1000)
        tally.add(truth, reader.read_sides(images, today=today))
        for side, image in zip(("file", "back"), images, strict=False):
            # Each image alone, from the cache the reads above filled.
            tally.add_image(truth, side, reader.read_sides([image], today=today))

    print(f"\n{len(truths)} real documents ({len(tally.times)} pages) from {folder}")
    print("judged as of 30 days before each document's expiry (a date inside its validity)")
    _table("exact MRZ (ICAO-conformant 'bar' documents)", tally.exact, tally.count)
    _table(
        "  of which names left undecided (illegible MRZ characters, not found printed)",
        tally.names_undecided,
        tally.count,
    )
    _table(
        "text extraction PROGRESS (document_fields reported), all documents",
        tally.extracted,
        tally.extracted_total,
    )
    _table(
        "printed number, surname and date of birth found agreeing with the MRZ "
        "(data pages and card fronts)",
        tally.printed_agree,
        tally.printed_total,
    )
    _table("authenticity APPROVE ('bar' documents)", tally.approved, tally.approve_total)
    _table(
        "  of which sent whole (a data page or a card's front; not an MRZ crop or a card's "
        "back alone, which print no holder details to compare)",
        tally.whole_approved,
        tally.whole_total,
    )
    _scoped_table(
        "ocr_mrz_comparison PASS, genuine documents (a card's sides judged together, as a "
        "session's pages are)",
        tally.compared,
        tally.compared_total,
    )
    _scoped_table(
        "ocr_mrz_comparison PASS, genuine images each judged alone (a card's front and back apart)",
        tally.image_compared,
        tally.image_total,
    )
    _table(
        "authenticity APPROVE, 'bar' images each judged alone",
        tally.image_approved,
        tally.image_approve_total,
    )
    print(
        "\n== card backs and MRZ crops with no front in the corpus (no holder details: "
        "NOT_AVAILABLE is the honest answer) =="
    )
    for outcome, count in tally.partial_answers.most_common():
        print(f"  {outcome:40s} {count}")
    print(
        f"\n== printed-only fields reported (of {tally.extracted['all']} documents extracted; "
        "no truth: --verbose lists them) =="
    )
    for key in PRINTED_ONLY:
        print(f"  {key:28s} {tally.printed_only[key]}")
    print(
        f"\n== false accepts (a reported field that differs from the document): "
        f"{len(tally.false_accepts)} =="
    )
    for line in tally.false_accepts:
        print(f"  {line}")
    print(
        f"  (reader only, not reported: MRZ valid but not as printed: "
        f"{len(tally.reader_valid_wrong)})"
    )
    for line in tally.reader_valid_wrong:
        print(f"    {line}")
    print(f"\n== genuine documents REJECT TAMPERED: {len(tally.tampered)} ==")
    for line in tally.tampered:
        print(f"  {line}")
    print("\n== authenticity recommendations ==")
    for outcome, count in tally.outcomes.most_common():
        print(f"  {outcome:40s} {count}")
    print("\n== authenticity sub-checks (PASS / FAIL) ==")
    for name, results in sorted(tally.sub_checks.items()):
        print(f"  {name:30s} PASS {results['PASS']:3d}   FAIL {results['FAIL']:3d}")
    print("\n== time per page (ms) ==")
    print(
        f"  whole read p50 {statistics.median(tally.times):6.0f}   "
        f"p95 {percentile(tally.times, 0.95):6.0f}   max {max(tally.times):6.0f}"
    )
    print(
        f"  MRZ stages p50 {statistics.median(tally.mrz_times):6.0f}   "
        f"p95 {percentile(tally.mrz_times, 0.95):6.0f}   max {max(tally.mrz_times):6.0f}"
    )
    # CPU time is what other load on the machine disturbs least: compare builds by it.
    print(
        f"  CPU time   p50 {statistics.median(tally.cpu_times):6.0f}   "
        f"p95 {percentile(tally.cpu_times, 0.95):6.0f}   sum {sum(tally.cpu_times) / 1000:6.1f} s"
        "   (process CPU time per page, every thread)"
    )
    print("  per stage (pages that ran it; wall time):")
    for stage, values in sorted(tally.stage_times.items(), key=lambda item: -sum(item[1])):
        print(
            f"    {stage:24s} pages {len(values):3d}   p50 {statistics.median(values):6.0f}   "
            f"p95 {percentile(values, 0.95):6.0f}   sum {sum(values) / 1000:6.1f} s"
        )
    if verbose:
        print("\n== MRZ misses ==")
        for line in tally.misses:
            print(f"  {line}")
        print("\n== 'bar' documents not approved ==")
        for line in tally.not_approved:
            print(f"  {line}")
        print("\n== printed-only fields reported ==")
        for line in tally.printed_only_values:
            print(f"  {line}")


def _scoped_table(
    title: str, hits: collections.Counter[str], totals: collections.Counter[str]
) -> None:
    """A table over everything ("all") and over what prints the holder's details ("whole":
    data pages and card fronts, not a back or an MRZ crop alone)."""
    for scope, label in (("all", "all"), ("whole", "printing holder details")):
        prefix = f"{scope} "
        _table(
            f"{title}: {label}",
            collections.Counter(
                {k[len(prefix) :]: v for k, v in hits.items() if k.startswith(prefix)}
            ),
            collections.Counter(
                {k[len(prefix) :]: v for k, v in totals.items() if k.startswith(prefix)}
            ),
        )


def _table(title: str, hits: collections.Counter[str], totals: collections.Counter[str]) -> None:
    print(f"\n== {title} ==")
    for key in sorted(totals, key=lambda k: (k != "all", k)):
        print(f"  {key:28s} {rate(hits[key], totals[key])}")
