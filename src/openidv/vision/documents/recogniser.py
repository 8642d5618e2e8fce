"""Text-line recognition with PP-OCRv6's recogniser, its output layer cut to the scripts an
identity document prints.

The model is Chinese + English: its last layer scores 18,710 classes at every step of the
line, most of them CJK ideographs and Hangul syllables that no MRZ and no VIZ caption uses,
and that score costs about a sixth of the whole recognition (the layer, its softmax, and the
arg-max over it). We keep the classes of every other script the model knows (Latin, Greek,
punctuation, full-width forms, kana: PP-OCR reads the MRZ filler `<` as hiragana `く`, which
`mrz_text` maps back; it knows no Cyrillic) and drop the columns of the others from the
layer's weights before the session is built. `benchmarks/ocr_recogniser.py`: on 776 MRZ and
printed lines of 30 generated pages every text comes out the same as RapidOCR's recogniser
with the full model, confidences within 0.004 (the dropped classes hold next to no
probability), in 0.76 of its time.

Pre-processing (48 px high, width in proportion, scaled to [-1, 1], zero-padded to the
widest line of a batch of six sorted by aspect) and greedy CTC decoding follow PaddleOCR's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["CharRead", "LineRead", "LineRecogniser"]

HEIGHT = 48
BATCH = 6
# Name of the output layer's weight and bias in PP-OCRv6_rec_small.onnx (x @ W + b, W 120 x C).
_HEAD_WEIGHT = "linear_8.w_0"
_HEAD_BIAS = "linear_8.b_0"
# Code point ranges whose classes are dropped: CJK radicals to ideographs, bopomofo, Yi,
# Hangul syllables, CJK compatibility ideographs and the supplementary ideograph planes.
_DROPPED = (
    (0x2E80, 0x2FDF), (0x3100, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xA000, 0xA4CF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0x20000, 0x10FFFF),
)  # fmt: skip


# Other classes the model gave at least this probability somewhere in a character's run of
# frames are kept as its alternatives: the candidates a check-digit repair may try.
MIN_ALTERNATIVE_PROB = 0.02
MAX_ALTERNATIVES = 3


@dataclass(frozen=True)
class CharRead:
    """One recognised character: its probability and the runner-up labels (most likely
    first) with theirs."""

    char: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class LineRead:
    """A recognised line with what the model thought of each of its characters."""

    text: str
    confidence: float  # mean character probability, as `LineRecogniser.__call__` gives
    chars: tuple[CharRead, ...]


def _dropped(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _DROPPED)


def _pruned_model(model_bytes: bytes) -> tuple[bytes, list[str]]:
    """The model with only the kept classes in its output layer, and their characters (index
    0 is the CTC blank, returned as "")."""
    import onnx  # noqa: PLC0415 - only needed while building the session
    from onnx import numpy_helper  # noqa: PLC0415

    model = onnx.load_from_string(model_bytes)
    listed = next(p.value for p in model.metadata_props if p.key == "character").splitlines()
    # PaddleOCR's CTC labels: blank first, then the dictionary, then a space.
    labels = ["", *listed, " "]
    keep = [i for i, char in enumerate(labels) if i == 0 or len(char) != 1 or not _dropped(char)]
    weights = {tensor.name: tensor for tensor in model.graph.initializer}
    for name in (_HEAD_WEIGHT, _HEAD_BIAS):
        values: NDArray[np.float32] = numpy_helper.to_array(weights[name])
        kept = np.ascontiguousarray(values[..., keep])  # the class axis is the last one
        weights[name].CopyFrom(numpy_helper.from_array(kept, name))
    model.graph.output[0].type.tensor_type.shape.dim[2].dim_value = len(keep)
    return model.SerializeToString(), [labels[i] for i in keep]


def _normalised(crop: NDArray[np.uint8], width: int) -> NDArray[np.float32]:
    height, crop_width = crop.shape[:2]
    resized_width = min(width, math.ceil(HEIGHT * crop_width / height))
    resized = cv2.resize(crop, (resized_width, HEIGHT)).astype(np.float32)
    tensor = np.zeros((3, HEIGHT, width), np.float32)
    tensor[:, :, :resized_width] = resized.transpose(2, 0, 1) / 127.5 - 1.0
    return tensor


class LineRecogniser:
    """Recognises upright single-line crops; safe to call from several threads."""

    def __init__(
        self, model_bytes: bytes, session_factory: Callable[[bytes], Any], *, min_width: int
    ) -> None:
        pruned, self._labels = _pruned_model(model_bytes)
        self._session = session_factory(pruned)
        self._input = self._session.get_inputs()[0].name
        self._min_aspect = min_width / HEIGHT

    def __call__(self, crops: list[NDArray[np.uint8]]) -> list[tuple[str, float]]:
        """Text and mean per-character confidence of each crop, in input order: the same
        batches and the same decoding as `read_chars`, without the per-character reads that
        only the MRZ uses (they were a twentieth of a real page's time in the VIZ read)."""
        return [(read.text, read.confidence) for read in self._run(crops, chars=False)]

    def read_chars(self, crops: list[NDArray[np.uint8]]) -> list[LineRead]:
        """Each crop's text with per-character probabilities and alternatives (the MRZ
        reader repairs low-confidence characters from them)."""
        return self._run(crops, chars=True)

    def _run(self, crops: list[NDArray[np.uint8]], *, chars: bool) -> list[LineRead]:
        # The batches must not depend on ``chars``: the model attends across the whole
        # (zero-padded) width, so a crop's scores depend on the widest crop of its batch.
        results: list[LineRead] = [LineRead("", 0.0, ())] * len(crops)
        aspects = [crop.shape[1] / crop.shape[0] for crop in crops]
        # Similar widths in one batch: padding to the widest line is wasted work.
        order = sorted(range(len(crops)), key=aspects.__getitem__)
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            width = int(HEIGHT * max(self._min_aspect, *(aspects[i] for i in batch)))
            tensor = np.stack([_normalised(crops[i], width) for i in batch])
            scores = self._session.run(None, {self._input: tensor})[0]
            for row, index in zip(scores, batch, strict=True):
                results[index] = self._decode(row, chars=chars)
        return results

    def _decode(self, scores: NDArray[np.float32], *, chars: bool = True) -> LineRead:
        best = scores.argmax(axis=1)
        # Greedy CTC: a label counts where it changes and is not the blank.
        emitted = np.ones(len(best), bool)
        emitted[1:] = best[1:] != best[:-1]
        emitted &= best != 0
        if not emitted.any():
            return LineRead("", 0.0, ())
        starts = np.flatnonzero(emitted)
        text = "".join(self._labels[label] for label in best[starts])
        confidence = float(scores[starts, best[starts]].mean())
        if not chars:
            return LineRead(text, round(confidence, 5), ())
        return LineRead(text, round(confidence, 5), self._chars(scores, best, starts))

    def _chars(
        self, scores: NDArray[np.float32], best: NDArray[np.intp], starts: NDArray[np.intp]
    ) -> tuple[CharRead, ...]:
        """Each emitted character with its probability and runner-ups, all characters of
        the line at once (one call per character was a tenth of a real page's time)."""
        # A character's frames run from its first frame to the next change of label; the
        # next character starts at or after that change, so the runs do not overlap.
        changes = np.flatnonzero(np.diff(best)) + 1
        following = np.searchsorted(changes, starts, side="right")
        ends = np.append(changes, len(scores))[following]
        # Maxima over [start, end) of each run: reduceat over the interleaved bounds takes
        # every other segment (an end at the last frame has no segment after it).
        bounds = np.empty(2 * len(starts), np.intp)
        bounds[0::2], bounds[1::2] = starts, ends
        peaks = np.maximum.reduceat(scores, bounds[bounds < len(scores)], axis=0)[0::2]
        labels = best[starts]
        rows = np.arange(len(starts))
        own = peaks[rows, labels]
        # Runner-ups: the best other non-blank labels over the character's frames.
        peaks[:, 0] = 0.0
        peaks[rows, labels] = 0.0
        # The few best of ~2,800 classes: a partial sort of each row.
        top = np.argpartition(peaks, -MAX_ALTERNATIVES, axis=1)[:, -MAX_ALTERNATIVES:]
        values = np.take_along_axis(peaks, top, axis=1)
        order = np.argsort(values, axis=1)[:, ::-1]
        top = np.take_along_axis(top, order, axis=1)
        values = np.take_along_axis(values, order, axis=1)
        return tuple(
            CharRead(
                self._labels[label],
                round(float(prob), 4),
                tuple(
                    (self._labels[i], round(float(p), 4))
                    for i, p in zip(row_top, row_values, strict=True)
                    if p >= MIN_ALTERNATIVE_PROB
                ),
            )
            for label, prob, row_top, row_values in zip(labels, own, top, values, strict=True)
        )
