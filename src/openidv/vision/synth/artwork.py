"""Security-print artwork: guilloche backgrounds and a drawn stand-in portrait.

Everything is drawn from the seeded ``random.Random`` so a seed reproduces the page. The
guilloche is kept pale: it must stress the OCR the way real rosettes do, not erase the text.
"""

from __future__ import annotations

import io
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

__all__ = ["draw_portrait", "fit_portrait", "guilloche"]


def _pale(rng: random.Random, base: tuple[int, int, int], spread: int) -> tuple[int, int, int]:
    r, g, b = (min(255, max(0, c + rng.randint(-spread, spread))) for c in base)
    return r, g, b


def guilloche(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A tinted page with rosettes and wave bands, like the underprint of an ID document."""
    width, height = size
    tint = _pale(rng, rng.choice([(236, 242, 230), (232, 238, 246), (246, 238, 232)]), 6)
    # A soft two-colour gradient first: real underprints are never flat.
    other = _pale(rng, tint, 12)
    ramp = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
    base = np.array(tint, np.float32) * (1 - ramp) + np.array(other, np.float32) * ramp
    page = Image.fromarray(np.repeat(base, height, axis=0).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(page)
    ink = _pale(rng, (tint[0] - 45, tint[1] - 35, tint[2] - 25), 15)
    # Hypotrochoid rosettes.
    for _ in range(rng.randint(2, 3)):
        cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.7) * height
        big_r, small_r = rng.uniform(0.18, 0.3) * height, rng.uniform(0.02, 0.07) * height
        offset = rng.uniform(0.5, 1.2) * small_r
        turns = rng.randint(30, 60)
        points = []
        for step in range(turns * 60):
            t = step * 2 * math.pi / 60
            ratio = (big_r - small_r) / small_r
            x = cx + (big_r - small_r) * math.cos(t) + offset * math.cos(ratio * t)
            y = cy + (big_r - small_r) * math.sin(t) - offset * math.sin(ratio * t)
            points.append((x, y))
        draw.line(points, fill=ink, width=1)
    # Sine wave bands across the page.
    amplitude = rng.uniform(4, 12)
    period = rng.uniform(60, 140)
    for row in range(0, height, rng.randint(9, 14)):
        phase = rng.uniform(0, math.pi)
        wave = [
            (x, row + amplitude * math.sin(2 * math.pi * x / period + phase))
            for x in range(0, width + 8, 8)
        ]
        draw.line(wave, fill=_pale(rng, ink, 10), width=1)
    return page.filter(ImageFilter.GaussianBlur(0.4))


def draw_portrait(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A simple drawn head-and-shoulders, standing in for the holder's photo."""
    width, height = size
    backdrop = _pale(rng, (214, 222, 230), 12)
    img = Image.new("RGB", size, backdrop)
    draw = ImageDraw.Draw(img)
    skin = rng.choice([(241, 204, 177), (224, 172, 135), (198, 134, 96), (141, 85, 56)])
    hair = rng.choice([(40, 28, 20), (95, 60, 30), (180, 140, 80), (60, 60, 60), (200, 200, 195)])
    cloth = _pale(rng, rng.choice([(40, 50, 90), (70, 70, 70), (120, 30, 40)]), 15)
    cx = width / 2 + rng.uniform(-0.03, 0.03) * width
    head_w, head_h = width * rng.uniform(0.40, 0.48), height * rng.uniform(0.42, 0.50)
    top = height * 0.16

    def shade(factor: float) -> tuple[int, int, int]:
        r, g, b = skin
        return round(r * factor), round(g * factor), round(b * factor)

    # Features are drawn as shades of the skin, not in fixed colours: a fixed brown nose and
    # red mouth vanished on the darkest skin, where a face detector then found no face
    # (30 of 41 heads missed) while it found nearly all the lighter ones.
    # Shoulders and neck (in the chin's shadow) before the head so the head overlaps them.
    draw.ellipse((cx - width * 0.55, height * 0.78, cx + width * 0.55, height * 1.35), fill=cloth)
    draw.rectangle(
        (cx - head_w * 0.2, top + head_h * 0.8, cx + head_w * 0.2, height * 0.85), fill=shade(0.8)
    )
    draw.ellipse(
        (cx - head_w / 2 - 4, top - 10, cx + head_w / 2 + 4, top + head_h * 0.7), fill=hair
    )
    draw.ellipse((cx - head_w / 2, top, cx + head_w / 2, top + head_h), fill=skin)
    eye_y = top + head_h * 0.45
    for side in (-1, 1):
        ex = cx + side * head_w * 0.2
        draw.ellipse((ex - 9, eye_y - 5, ex + 9, eye_y + 5), fill=(250, 250, 250))
        draw.ellipse((ex - 4, eye_y - 4, ex + 4, eye_y + 4), fill=(50, 40, 30))
        draw.line((ex - 11, eye_y - 12, ex + 11, eye_y - 13), fill=shade(0.35), width=3)
    nose_y = top + head_h * 0.62
    draw.line((cx, eye_y + 6, cx - 5, nose_y, cx + 4, nose_y), fill=shade(0.6), width=2)
    mouth_y = top + head_h * 0.78
    lips = (round(skin[0] * 0.7) + 30, round(skin[1] * 0.35), round(skin[2] * 0.35))
    draw.arc((cx - 16, mouth_y - 8, cx + 16, mouth_y + 6), 20, 160, fill=lips, width=3)
    return img.filter(ImageFilter.GaussianBlur(0.6))


def fit_portrait(portrait: Image.Image | bytes, size: tuple[int, int]) -> Image.Image:
    """A caller's photo cropped to the portrait box (centre crop, then resize)."""
    image = Image.open(io.BytesIO(portrait)) if isinstance(portrait, bytes) else portrait
    image = ImageOps.exif_transpose(image).convert("RGB")
    return ImageOps.fit(image, size, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
