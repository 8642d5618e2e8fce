"""Document reading accuracy and speed on synthetic documents (openidv.vision.synth).

Generates ``--count`` documents (default 540) cycling through TD1/TD2/TD3 and every
degradation; one document in six also carries an attack. Reads each one with
`openidv.vision.documents.DocumentReader` and prints:

* exact-MRZ rate (every MRZ line identical to the printed one), overall, on the "mild"
  degradations (clean, jpeg, noise, blur, rotation) and the hard ones, per format, per
  degradation and per attack;
* per-field accuracy of the MRZ fields and of the VIZ fields;
* false accepts: an MRZ reported valid whose text is not what is printed, and single
  fields reported valid (check digit held) with a wrong value;
* attack signals (stale check digit -> invalid, expired -> expired, MRZ/VIZ mismatch ->
  mismatch reason, photocopy -> no-colour reason);
* p50/p95 wall time per page, total and for the MRZ stages alone (the time a reader called
  with ``read_viz=False`` would take), excluding document generation; and the process CPU
  time per page with the load average, because wall times on a shared machine mislead.

Targets (issue 5): >= 99.5 % exact MRZ on mild degradations, >= 97 % overall, zero false
accepts, p95 <= 400 ms per page on 2 cores.

THE DOCUMENTS ARE SYNTHETIC: one OCR-B rendering, flat pages, simulated captures. The
figures say the pipeline works on what the generator draws; real captures will be worse.

Usage: ``python benchmarks/documents.py [--count N] [--no-viz] [--threads N] [--verbose]``
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import time
from collections.abc import Iterable

from openidv.vision.documents import DocumentReader, DocumentReading, ReasonCode
from openidv.vision.mrz import parse_mrz
from openidv.vision.synth import MILD, Attack, Degradation, DocFormat, generate_document
from openidv.vision.synth.generator import SyntheticDocument

MRZ_FIELDS = (
    "document_number",
    "date_of_birth",
    "expiry_date",
    "surname",
    "given_names",
    "nationality",
    "issuing_state",
    "sex",
)
ATTACKS = [attack for attack in Attack if attack is not Attack.NONE]
MRZ_STAGES = ("decode", "locate", "quality", "mrz_locate", "mrz_ocr", "mrz_fallback")


def _plan(count: int) -> Iterable[tuple[int, DocFormat, Degradation, Attack]]:
    formats = list(DocFormat)
    degradations = list(Degradation)
    for index in range(count):
        fmt = formats[index % len(formats)]
        degradation = degradations[(index // len(formats)) % len(degradations)]
        attack = ATTACKS[(index // 6) % len(ATTACKS)] if index % 6 == 5 else Attack.NONE
        yield index, fmt, degradation, attack


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.1f} %)" if total else "-"


def _norm(value: str | None) -> str:
    return (value or "").replace(" ", "").upper()


class Tally:
    def __init__(self) -> None:
        self.exact: collections.Counter[str] = collections.Counter()
        self.total: collections.Counter[str] = collections.Counter()
        self.fields_ok: collections.Counter[str] = collections.Counter()
        self.fields_total: collections.Counter[str] = collections.Counter()
        self.false_accepts: list[str] = []
        self.field_false_accepts: list[str] = []
        self.signals: collections.Counter[str] = collections.Counter()
        self.times: list[float] = []
        self.mrz_times: list[float] = []
        self.cpu_times: list[float] = []
        self.misses: list[str] = []
        self.viz_by_degradation: collections.Counter[str] = collections.Counter()
        self.viz_total_by_degradation: collections.Counter[str] = collections.Counter()

    def add(self, doc: SyntheticDocument, reading: DocumentReading, read_viz: bool) -> None:
        label = f"seed {doc.seed} {doc.format} {doc.degradation} {doc.attack}"
        lines = tuple(reading.mrz.lines) if reading.mrz is not None else ()
        exact = lines == doc.mrz_lines
        severity = "mild" if doc.degradation in MILD else "hard"
        for key in (
            "all",
            severity,
            f"format {doc.format}",
            f"degradation {doc.degradation}",
            f"attack {doc.attack}",
        ):
            self.total[key] += 1
            self.exact[key] += exact
        if not exact:
            self.misses.append(f"{label}: read {reading.mrz_text} -> {lines}")
        if reading.mrz_valid and not exact:
            self.false_accepts.append(label)
        truth = parse_mrz(doc.mrz_lines, today=doc.today)
        if reading.mrz is not None:
            for name in MRZ_FIELDS:
                expected = truth.fields[name].value
                got = reading.mrz.fields[name]
                key = f"mrz {name}"
                self.fields_total[key] += 1
                self.fields_ok[key] += got.value == expected
                if got.valid is True and got.value != expected:
                    self.field_false_accepts.append(f"{label}: {name} {got.value!r}")
        else:
            for name in MRZ_FIELDS:
                self.fields_total[f"mrz {name}"] += 1
        if read_viz:
            for name, expected in doc.viz.items():
                key = f"viz {name}"
                self.fields_total[key] += 1
                field = reading.viz.get(name)
                ok = field is not None and _norm(field.value) == _norm(expected)
                self.fields_ok[key] += ok
                self.viz_by_degradation[str(doc.degradation)] += ok
                self.viz_total_by_degradation[str(doc.degradation)] += 1
        self._signals(doc, reading, read_viz)
        self.times.append(reading.timings_ms["total"])
        self.mrz_times.append(sum(reading.timings_ms.get(stage, 0.0) for stage in MRZ_STAGES))

    def _signals(self, doc: SyntheticDocument, reading: DocumentReading, read_viz: bool) -> None:
        attack = doc.attack
        if attack is Attack.NONE:
            self.signals["genuine: mismatch reason (false alarm)"] += reading.has(
                ReasonCode.MRZ_VIZ_MISMATCH
            )
            self.signals["genuine: expired (false alarm)"] += reading.expired is True
            self.signals["genuine: total"] += 1
            return
        self.signals[f"{attack}: total"] += 1
        if attack is Attack.STALE_CHECK_DIGIT:
            self.signals[f"{attack}: MRZ invalid"] += not reading.mrz_valid
            field = doc.attacked_field
            if reading.mrz is not None and field is not None:
                self.signals[f"{attack}: altered field invalid"] += (
                    reading.mrz.fields[field].valid is False
                )
        elif attack is Attack.EXPIRED:
            self.signals[f"{attack}: expired"] += reading.expired is True
        elif attack is Attack.MRZ_VIZ_MISMATCH and read_viz:
            self.signals[f"{attack}: mismatch reason"] += reading.has(ReasonCode.MRZ_VIZ_MISMATCH)
        elif attack is Attack.PHOTOCOPY:
            self.signals[f"{attack}: no-colour reason"] += reading.has(ReasonCode.NO_COLOUR)
        elif attack is Attack.SCREEN_RECAPTURE:
            self.signals[f"{attack}: MRZ valid (no screen detector)"] += reading.mrz_valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=540, help="documents (default 540)")
    parser.add_argument("--no-viz", action="store_true", help="MRZ only (read_viz=False)")
    parser.add_argument("--threads", type=int, default=2, help="ONNX Runtime threads")
    parser.add_argument("--verbose", action="store_true", help="list every MRZ miss")
    args = parser.parse_args()
    read_viz = not args.no_viz

    start = time.perf_counter()
    reader = DocumentReader(threads=args.threads)
    print(f"reader start-up: {time.perf_counter() - start:.2f} s")
    tally = Tally()
    generation: list[float] = []
    for seed, fmt, degradation, attack in _plan(args.count):
        t0 = time.perf_counter()
        doc = generate_document(seed, fmt=fmt, degradation=degradation, attack=attack)
        generation.append((time.perf_counter() - t0) * 1000)
        cpu_start = time.process_time()
        reading = reader.read(doc.image, today=doc.today, read_viz=read_viz)
        # CPU seconds of this process: wall time is only meaningful on an idle machine.
        tally.cpu_times.append((time.process_time() - cpu_start) * 1000)
        tally.add(doc, reading, read_viz)

    print(f"\n{args.count} documents, read_viz={read_viz}, threads={args.threads}")
    print(f"generation p50 {statistics.median(generation):.0f} ms (not counted below)")
    print("\n== exact MRZ (all lines identical to the printed MRZ) ==")
    print(f"  {'overall':28s} {_rate(tally.exact['all'], tally.total['all'])}")
    print(f"  {'mild degradations':28s} {_rate(tally.exact['mild'], tally.total['mild'])}")
    print(f"  {'hard degradations':28s} {_rate(tally.exact['hard'], tally.total['hard'])}")
    for prefix in ("format", "degradation", "attack"):
        for key in sorted(k for k in tally.total if k.startswith(prefix)):
            print(f"  {key:28s} {_rate(tally.exact[key], tally.total[key])}")
    print("\n== per-field accuracy ==")
    for key in sorted(tally.fields_total):
        print(f"  {key:28s} {_rate(tally.fields_ok[key], tally.fields_total[key])}")
    if read_viz:
        print("\n== VIZ fields correct, per degradation ==")
        for key in sorted(tally.viz_total_by_degradation):
            hits, total = tally.viz_by_degradation[key], tally.viz_total_by_degradation[key]
            print(f"  {key:28s} {_rate(hits, total)}")
    print("\n== false accepts (wrong value reported as valid) ==")
    print(f"  whole MRZ valid but not exact: {len(tally.false_accepts)}")
    for line in tally.false_accepts:
        print(f"    {line}")
    print(f"  single field valid but wrong:  {len(tally.field_false_accepts)}")
    for line in tally.field_false_accepts:
        print(f"    {line}")
    print("\n== attack signals ==")
    for key in sorted(tally.signals):
        print(f"  {key:48s} {tally.signals[key]}")
    print("\n== time per page (ms, excluding generation) ==")
    print(
        f"  total      p50 {statistics.median(tally.times):6.0f}   "
        f"p95 {_percentile(tally.times, 0.95):6.0f}   max {max(tally.times):6.0f}"
    )
    print(
        f"  MRZ stages p50 {statistics.median(tally.mrz_times):6.0f}   "
        f"p95 {_percentile(tally.mrz_times, 0.95):6.0f}   max {max(tally.mrz_times):6.0f}"
    )
    print(
        f"  CPU (all threads) p50 {statistics.median(tally.cpu_times):6.0f}   "
        f"p95 {_percentile(tally.cpu_times, 0.95):6.0f}   (process CPU time per page)"
    )
    load = os.getloadavg()
    cpus = os.cpu_count()
    print(f"  load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {cpus} CPUs")
    if args.verbose and tally.misses:
        print("\n== MRZ misses ==")
        for line in tally.misses:
            print(f"  {line}")


if __name__ == "__main__":
    main()
