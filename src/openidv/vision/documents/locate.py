"""Find the document in a photo and flatten it to a fixed working width.

A phone photo shows the document on some surface, rotated and in perspective. We look for the
largest bright quadrilateral (documents are lighter than most tables) and warp it to an
upright rectangle ``WORK_WIDTH`` pixels wide. When no such quadrilateral stands out (a scan,
a tight crop, a white table), the whole image is used as it is; the MRZ finder then copes
with a small residual rotation on its own.

Everything downstream (quality measures, MRZ band, VIZ) works at ``WORK_WIDTH`` so that its
pixel thresholds mean the same thing whatever the camera resolution; ``scale`` maps back to
source pixels, which is what resolution gates must use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["WORK_WIDTH", "LocatedDocument", "decode_image", "locate_document"]

WORK_WIDTH = 1000
_SEARCH_SIDE = 480  # contour search resolution: plenty for a page outline
_MIN_AREA, _MAX_AREA = 0.12, 0.92  # document share of the frame for a usable outline
# Share of the short side by which the outline may lie outside its quadrilateral
# (`_cuts_off`): over the real corpus, upright, turned up to 30 degrees and in perspective,
# the approximations that hold the whole document stay under 0.09.
_MAX_CUT_OFF = 0.15

Array = NDArray[np.uint8]


@dataclass(frozen=True)
class LocatedDocument:
    image: Array  # BGR, upright, WORK_WIDTH wide
    scale: float  # source pixels per working pixel (>1 means the source was larger)
    found_outline: bool  # False: the whole frame is taken as the document
    quad: NDArray[np.float32] | None  # outline in source pixels (TL, TR, BR, BL)
    source_size: tuple[int, int]  # (width, height) of the decoded image


def decode_image(data: bytes) -> Array | None:
    """BGR pixels of a PNG/JPEG/WebP/... byte string, or None when it is not an image."""
    if not data:
        return None
    buffer = np.frombuffer(data, np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    return None if image is None else np.asarray(image, np.uint8)


def _order(points: NDArray[np.float32]) -> NDArray[np.float32]:
    """Corners as top-left, top-right, bottom-right, bottom-left: clockwise around their
    centre, from the one nearest the image's top-left corner. (Picking each corner by the
    extremes of x + y and y - x gives one point twice once a page is turned about 30° or
    more: a degenerate outline.)"""
    centre = points.mean(axis=0)
    # Ascending angles in image coordinates (y down) run clockwise on the screen.
    clockwise = points[np.argsort(np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0]))]
    first = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -first, axis=0).astype(np.float32)


def _outline(image: Array) -> NDArray[np.float32] | None:
    height, width = image.shape[:2]
    factor = _SEARCH_SIDE / max(height, width)
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(contour) / float(small.shape[0] * small.shape[1])
    if not _MIN_AREA <= share <= _MAX_AREA:
        return None
    hull = cv2.convexHull(contour)
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    rect = cv2.minAreaRect(hull)
    if len(approx) == 4 and not _cuts_off(approx.reshape(4, 2), hull, min(rect[1])):
        quad = approx.reshape(4, 2).astype(np.float32)
    else:
        # Rounded card corners or a glare notch, or a quadrilateral that cuts off part of
        # the document: fall back to the rotated bounding box, but only when the shape
        # really is a filled rectangle.
        if cv2.contourArea(hull) < 0.9 * rect[1][0] * rect[1][1]:
            return None
        quad = cv2.boxPoints(rect).astype(np.float32)
    return _order(quad / factor)


def _cuts_off(quad: NDArray[Any], hull: NDArray[Any], short_side: float) -> bool:
    """Some of the outline lies outside ``quad`` by more than `_MAX_CUT_OFF` of the
    document's short side. The polygon approximation's tolerance is a share of the whole
    perimeter: on a long thin strip (an MRZ cut out, photographed turned, its ends at the
    frame's edges) that is half its height, and corners taken from the frame's edge cut an
    MRZ line in two. (A page's rounded corners lie outside by under a tenth.)"""
    outline = quad.astype(np.float32)
    outside = max(
        -cv2.pointPolygonTest(outline, (float(x), float(y)), True) for x, y in hull.reshape(-1, 2)
    )
    return bool(outside > _MAX_CUT_OFF * short_side)


def locate_document(image: Array) -> LocatedDocument:
    """The document flattened to WORK_WIDTH, or the whole frame when no outline is found."""
    height, width = image.shape[:2]
    quad = _outline(image)
    if quad is not None:
        top = float(np.linalg.norm(quad[1] - quad[0]))
        bottom = float(np.linalg.norm(quad[2] - quad[3]))
        left = float(np.linalg.norm(quad[3] - quad[0]))
        right = float(np.linalg.norm(quad[2] - quad[1]))
        doc_w, doc_h = max(top, bottom), max(left, right)
        if doc_h > doc_w:  # portrait-oriented outline: documents here are landscape
            quad = np.roll(quad, -1, axis=0)
            doc_w, doc_h = doc_h, doc_w
        out_h = round(WORK_WIDTH * doc_h / doc_w)
        target = np.array([[0, 0], [WORK_WIDTH, 0], [WORK_WIDTH, out_h], [0, out_h]], np.float32)
        matrix = cv2.getPerspectiveTransform(quad, target)
        # An outline may reach past the frame (a document cut by the frame's edge): what
        # lies beyond is filled with the edge's colour, not black, which the line finder
        # would take for ink fused with the text beside it.
        flat = cv2.warpPerspective(
            image,
            matrix,
            (WORK_WIDTH, out_h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return LocatedDocument(
            np.asarray(flat, np.uint8), doc_w / WORK_WIDTH, True, quad, (width, height)
        )
    factor = WORK_WIDTH / width
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    resized = cv2.resize(image, (WORK_WIDTH, round(height * factor)), interpolation=interpolation)
    return LocatedDocument(np.asarray(resized, np.uint8), 1 / factor, False, None, (width, height))
