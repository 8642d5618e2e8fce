"""Synthetic document generator: determinism, ground truth, attacks, fonts."""

from __future__ import annotations

import datetime as dt
import io
import random

import numpy as np
import pytest
from PIL import Image

from openidv.vision.mrz import MrzFormat, ProblemCode, parse_mrz
from openidv.vision.synth import (
    Attack,
    Degradation,
    DocFormat,
    FontNotFoundError,
    generate_document,
    mrz_font_path,
)
from openidv.vision.synth import fonts as synth_fonts
from openidv.vision.synth.degrade import ScreenKind, screen_recapture

MRZ_FORMATS = {
    DocFormat.TD1: MrzFormat.TD1,
    DocFormat.TD2: MrzFormat.TD2,
    DocFormat.TD3: MrzFormat.TD3,
    DocFormat.MRV_A: MrzFormat.MRV_A,
    DocFormat.MRV_B: MrzFormat.MRV_B,
}


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("fmt", list(DocFormat))
def test_same_seed_same_document(fmt: DocFormat) -> None:
    first = generate_document(11, fmt=fmt, degradation=Degradation.CAMERA)
    again = generate_document(11, fmt=fmt, degradation=Degradation.CAMERA)
    other = generate_document(12, fmt=fmt, degradation=Degradation.CAMERA)
    assert first.image == again.image
    assert first.mrz_lines == again.mrz_lines
    assert first.viz == again.viz
    assert other.mrz_lines != first.mrz_lines
    assert other.image != first.image


def test_degradation_does_not_change_the_identity() -> None:
    clean = generate_document(5, fmt="TD3")
    blurred = generate_document(5, fmt="TD3", degradation="blur")
    assert clean.mrz_lines == blurred.mrz_lines
    assert clean.viz == blurred.viz
    assert clean.image != blurred.image


@pytest.mark.parametrize("fmt", list(DocFormat))
@pytest.mark.parametrize("seed", range(8))
def test_ground_truth_mrz_is_valid_and_matches_viz(fmt: DocFormat, seed: int) -> None:
    doc = generate_document(seed, fmt=fmt)
    result = parse_mrz(doc.mrz_lines, today=doc.today)
    assert result.valid, result.problems
    assert result.format is MRZ_FORMATS[fmt]
    assert result.document_number.value == doc.viz["document_number"]
    assert result.date_of_birth.value == doc.viz["date_of_birth"]
    assert result.expiry_date.value == doc.viz["expiry_date"]
    assert result.sex.value == doc.viz["sex"]
    assert result.surname.value == doc.viz["surname"].replace("-", " ")
    assert doc.viz["given_names"].startswith(result.given_names.value or "")
    assert dt.date.fromisoformat(doc.viz["expiry_date"]) > doc.today


def test_long_document_numbers_follow_the_icao_rule() -> None:
    # TD1/TD2 numbers longer than 9 characters continue in the optional data.
    long_docs = [
        doc
        for seed in range(60)
        if len(
            (doc := generate_document(seed, fmt="TD1", degradation="clean")).viz["document_number"]
        )
        > 9
    ]
    assert long_docs, "the generator should produce some long document numbers"
    for doc in long_docs[:3]:
        result = parse_mrz(doc.mrz_lines, today=doc.today)
        assert result.valid, result.problems
        assert doc.mrz_lines[0][14] == "<"
        assert result.document_number.value == doc.viz["document_number"]


def test_image_encoding_follows_the_capture() -> None:
    assert generate_document(1, degradation="clean").image.startswith(b"\x89PNG")
    camera = generate_document(1, degradation="camera")
    assert camera.image.startswith(b"\xff\xd8") and camera.mime_type == "image/jpeg"
    assert _pixels(camera.image).shape == (960, 1280, 3)


@pytest.mark.parametrize("fmt", list(DocFormat))
@pytest.mark.parametrize("seed", range(12))
def test_stale_check_digit_attack(fmt: DocFormat, seed: int) -> None:
    doc = generate_document(seed, fmt=fmt, attack=Attack.STALE_CHECK_DIGIT)
    assert doc.attacked_field in ("date_of_birth", "expiry_date")
    result = parse_mrz(doc.mrz_lines, today=doc.today)
    assert not result.valid
    problems = result.problems_for(doc.attacked_field)
    assert any(problem.code is ProblemCode.CHECK_DIGIT for problem in problems)
    # The forger printed the same altered value in the VIZ.
    assert getattr(result, doc.attacked_field).value == doc.viz[doc.attacked_field]


def test_expired_attack_is_valid_but_past() -> None:
    doc = generate_document(4, fmt="TD3", attack="expired")
    result = parse_mrz(doc.mrz_lines, today=doc.today)
    assert result.valid, result.problems
    assert result.expiry_date.value is not None
    assert dt.date.fromisoformat(result.expiry_date.value) < doc.today
    assert doc.viz["expiry_date"] == result.expiry_date.value


def test_mrz_viz_mismatch_attack() -> None:
    for seed in range(6):
        doc = generate_document(seed, fmt="TD2", attack="mrz_viz_mismatch")
        result = parse_mrz(doc.mrz_lines, today=doc.today)
        assert result.valid
        field = doc.attacked_field
        assert field in ("surname", "date_of_birth")
        assert getattr(result, field).value != doc.viz[field]


def test_photocopies_lose_colour_and_screens_are_framed() -> None:
    genuine = _pixels(generate_document(2).image).astype(int)
    spreads = []
    for seed in range(4):
        copy = _pixels(generate_document(seed, attack="photocopy").image).astype(int)
        spreads.append(np.abs(copy[:, :, 0] - copy[:, :, 2]).mean())
    assert max(spreads) < np.abs(genuine[:, :, 0] - genuine[:, :, 2]).mean()
    screen = _pixels(generate_document(2, attack="screen_recapture").image)
    assert screen.shape[:2] == (960, 1280)  # a phone photo of the screen
    centre = screen[480, 640]
    assert screen[5:40, 5:40].mean() < centre.mean()  # bezel / surround darker than the page


def test_td1_cards_can_be_two_sided() -> None:
    one = generate_document(3, fmt="TD1")
    two = generate_document(3, fmt="TD1", two_sided=True)
    assert one.back_image is None and one.pages == (one.image,)
    assert two.back_image is not None and len(two.pages) == 2
    assert two.mrz_lines == one.mrz_lines
    with pytest.raises(ValueError, match="TD1"):
        generate_document(3, fmt="TD3", two_sided=True)


def test_front_back_mismatch_attack() -> None:
    doc = generate_document(4, fmt="TD1", attack="front_back_mismatch")
    assert doc.format is DocFormat.TD1 and doc.back_image is not None
    result = parse_mrz(doc.mrz_lines, today=doc.today)
    assert result.valid
    field = doc.attacked_field
    assert field in ("document_number", "surname", "date_of_birth")
    assert getattr(result, field).value != doc.viz[field]


def test_rotated_captures_are_turned() -> None:
    upright = _pixels(generate_document(6, degradation="camera").image)
    upside_down = _pixels(generate_document(6, degradation="upside_down").image)
    quarter = _pixels(generate_document(6, degradation="quarter_turn").image)
    assert upside_down.shape == upright.shape
    assert quarter.shape == (upright.shape[1], upright.shape[0], 3)


def test_caller_portrait_is_used() -> None:
    red = Image.new("RGB", (300, 400), (220, 20, 20))
    doc = generate_document(0, fmt="TD3", portrait=red)
    pixels = _pixels(doc.image)
    patch = pixels[250:300, 140:190]  # inside the TD3 portrait box
    assert patch[:, :, 0].mean() > 180 and patch[:, :, 1].mean() < 60


def test_missing_ocr_b_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mrz_font_path().is_file()
    synth_fonts.mrz_font_path.cache_clear()
    synth_fonts.load_font.cache_clear()
    monkeypatch.setenv("OPENIDV_OCRB_FONT", "/nonexistent/OCRB.otf")
    try:
        with pytest.raises(FontNotFoundError, match="fonts-ocr-b"):
            generate_document(0)
    finally:
        monkeypatch.delenv("OPENIDV_OCRB_FONT")
        synth_fonts.mrz_font_path.cache_clear()
        synth_fonts.load_font.cache_clear()
    assert mrz_font_path().is_file()


def test_screen_attack_varies_screen_and_capture() -> None:
    page = np.full((300, 420, 3), 220, np.uint8)
    kinds = set()
    for seed in range(8):
        rng = random.Random(seed)
        kinds.add(rng.choice(tuple(ScreenKind)))
        shot = screen_recapture(random.Random(seed), page)
        assert shot.shape == (960, 1280, 3)
    assert kinds == set(ScreenKind)  # laptop LCD stripes and phone OLED PenTile both occur
