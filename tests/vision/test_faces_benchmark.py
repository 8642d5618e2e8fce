"""benchmarks/faces.py: the LFW pairs parser and the report, on a tiny LFW-layout folder."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest

from openidv.vision.faces import FaceEngine

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "faces.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("openidv_faces_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_parse_lfw_pairs(bench: ModuleType) -> None:
    folds, pairs = bench.parse_lfw_pairs("2\t1\nA\t1\t2\nA\t1\tB\t3\n\nB 2 4\nB 1 C 1\n")
    assert folds == 2
    assert [(p.fold, p.genuine, p.first_name, p.second_index) for p in pairs] == [
        (0, True, "A", 2),
        (0, False, "A", 3),
        (1, True, "B", 4),
        (1, False, "B", 1),
    ]
    # A single count: LFW's pairsDevTrain.txt style (n matched then n mismatched).
    assert bench.parse_lfw_pairs("1\nA 1 2\nA 1 B 1\n")[0] == 1
    for bad in ("", "x\nA 1 2\n", "1 1\nA 1 2\n", "1\nA 1\nA 1 B 1\n", "1\nA 0 2\nA 1 B 1\n",
                "1\nA 1 2\nA 1 A 2\n"):  # fmt: skip
        with pytest.raises(ValueError):
            bench.parse_lfw_pairs(bad)


def test_report_on_lfw_layout_folder(
    bench: ModuleType, face_photos: dict[str, bytes], tmp_path: Path
) -> None:
    people = {
        "Barack_Obama": ["obama", "obama2", "obama3"],
        "Joe_Biden": ["biden"],
        "Eileen_Collins": ["astronaut"],
    }
    for person, photos in people.items():
        (tmp_path / person).mkdir()
        for number, photo in enumerate(photos, 1):
            image = cv2.imdecode(np.frombuffer(face_photos[photo], np.uint8), cv2.IMREAD_COLOR)
            assert image is not None
            ok, jpeg = cv2.imencode(".jpg", image)
            assert ok
            (tmp_path / person / f"{person}_{number:04d}.jpg").write_bytes(jpeg.tobytes())
    (tmp_path / "pairs.txt").write_text(
        "1\t2\n"
        "Barack_Obama\t1\t2\n"
        "Barack_Obama\t2\t3\n"
        "Barack_Obama\t1\tJoe_Biden\t1\n"
        "Joe_Biden\t1\tEileen_Collins\t1\n"
    )
    specs = bench.lfw_specs(tmp_path)
    assert [(s.genuine, s.document, s.selfie) for s in specs] == [
        (True, "Barack_Obama_0001", "Barack_Obama_0002"),
        (True, "Barack_Obama_0002", "Barack_Obama_0003"),
        (False, "Barack_Obama_0001", "Joe_Biden_0001"),
        (False, "Joe_Biden_0001", "Eileen_Collins_0001"),
    ]

    results = bench.score_specs(FaceEngine(), specs)
    assert all(r.score is not None for r in results)
    assert all(r.score >= 0.5 for r in results if r.genuine)
    assert all(r.score < 0.363 for r in results if not r.genuine)
    text = bench.report(results, "tiny LFW folder")
    assert "2 GENUINE AND 2 IMPOSTOR PAIRS" in text
    assert "SANITY CHECK, NOT AN ACCURACY ESTIMATE" in text
    assert "threshold 0.500:  FMR 0/2 (0.0%)   FNMR 0/2 (0.0%)" in text
    assert "the sets do not overlap" in text
    assert "target p95 <= 150 ms" in text

    (tmp_path / "Joe_Biden" / "Joe_Biden_0001.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="2 image"):
        bench.lfw_specs(tmp_path)


def test_the_timing_child_reports_every_stage_of_every_pair(
    face_photos: dict[str, bytes], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """benchmarks/faces_timing.py's child: one row per pair, each stage and the reference."""
    import json  # noqa: PLC0415

    spec = importlib.util.spec_from_file_location(
        "openidv_faces_timing", BENCHMARK.with_name("faces_timing.py")
    )
    assert spec is not None and spec.loader is not None
    timing = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(timing)
    for index, (document, selfie) in enumerate((("obama", "obama2"), ("biden", "obama3"))):
        (tmp_path / f"{index:03d}-doc").write_bytes(face_photos[document])
        (tmp_path / f"{index:03d}-selfie").write_bytes(face_photos[selfie])
    timing.child(tmp_path, reference=True)
    rows = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(rows) == 2
    for row in rows:
        assert set(row) == {*timing.STAGES, "wall_ms", "reference_ms"}
        assert 0 < row["detect_ms"] < row["total_ms"] <= row["wall_ms"] + 1e-6
        assert row["reference_ms"] > 0
