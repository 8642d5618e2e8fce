"""A printed line as the recogniser might also have read it: its unsure characters replaced
by their runner-ups (`recogniser.CharRead.alternatives`).

Small or soft print is read with a few unsure characters: "S7 JAN /JAN 85" for 17 JAN 85,
the 1 read as S with 0.43 and as 1 with 0.15. Where the MRZ's value (held by its check
digits) needs only such characters to be their runner-ups, the print is consistent with it:
the value is found. A character read surely is never replaced, so a printed value altered
with a legible character still differs; and the substitutions a line may take are few.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from openidv.vision.documents.recogniser import LineRead

__all__ = ["MAX_SUBSTITUTIONS", "UNSURE_BELOW", "readings"]

# A character the recogniser gave less than this may be one of its runner-ups ...
UNSURE_BELOW = 0.9
# ... that it gave at least this (a runner-up of a few per cent is noise) ...
MIN_RUNNER_UP = 0.1
# ... and a line takes at most this many such replacements, among its few least sure
# characters.
MAX_SUBSTITUTIONS = 3
_MAX_UNSURE = 6


def readings(read: LineRead, allowed: frozenset[str]) -> Iterator[tuple[str, float]]:
    """Every other reading of the line with up to `MAX_SUBSTITUTIONS` of its unsure
    characters replaced by a runner-up in ``allowed`` (the characters the values looked for
    hold), with the least probability the recogniser gave a replacement it took."""
    options: list[tuple[int, list[tuple[str, float]]]] = []
    for index, char in enumerate(read.chars):
        if char.confidence >= UNSURE_BELOW:
            continue
        runner_ups = [
            (label, prob)
            for label, prob in char.alternatives
            if prob >= MIN_RUNNER_UP and label.upper() in allowed and label != char.char
        ]
        if runner_ups:
            options.append((index, runner_ups))
    options.sort(key=lambda option: read.chars[option[0]].confidence)
    del options[_MAX_UNSURE:]
    text = [char.char for char in read.chars]
    for count in range(1, min(MAX_SUBSTITUTIONS, len(options)) + 1):
        for chosen in itertools.combinations(options, count):
            for picks in itertools.product(*(runner_ups for _, runner_ups in chosen)):
                variant = list(text)
                for (index, _), (label, _) in zip(chosen, picks, strict=True):
                    variant[index] = label
                yield "".join(variant), min(prob for _, prob in picks)
