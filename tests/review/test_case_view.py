"""The case view's pure parts: the queue grouped by session in work order, the face-match
score and thresholds read from the check's breakdown, where a prefilled field came from, and
the page rendered with the machine's read (escaped, the sources shown)."""

from __future__ import annotations

import datetime as dt

from openidv.review.evidence import ENTRY_FIELDS, Evidence, Image, face_match_summary, source_text
from openidv.review.pages import TEMPLATES as CONSOLE_TEMPLATES
from openidv.review.queue import QueueItem, by_session
from openidv.review.renditions import SHOWN_WIDTH

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def _item(item_id: str, session: str, item_type: str, minutes: int) -> QueueItem:
    kind = "task" if item_type.endswith("EXTRACTION") else "check"
    return QueueItem(kind, item_id, item_type, session, T0 + dt.timedelta(minutes=minutes),
                     None, False)  # fmt: skip


def test_one_row_per_session_oldest_first_items_in_work_order() -> None:
    rows = by_session(
        [
            _item("f1", "s1", "ID_DOCUMENT_FACE_MATCH", 5),
            _item("a2", "s2", "ID_DOCUMENT_AUTHENTICITY", 1),
            _item("t1", "s1", "ID_DOCUMENT_TEXT_DATA_EXTRACTION", 6),
            _item("a1", "s1", "ID_DOCUMENT_AUTHENTICITY", 7),
            _item("x1", "s1", "SOMETHING_NEW", 2),
        ]
    )
    assert [row.session_id for row in rows] == ["s2", "s1"]
    assert rows[1].queued_at == T0 + dt.timedelta(minutes=2)  # its oldest item's
    # The document read first, then its authenticity, then the face on it; unknown types last.
    assert [i.id for i in rows[1].items] == ["t1", "a1", "f1", "x1"]


def _report(*details: tuple[str, str]) -> dict[str, object]:
    breakdown = [{"sub_check": "ai_face_match", "result": "FAIL",
                  "details": [{"name": n, "value": v} for n, v in details]}]  # fmt: skip
    return {"report": {"recommendation": {"value": "REJECT"}, "breakdown": breakdown}}


FACE = "ID_DOCUMENT_FACE_MATCH"


def test_face_match_summary_places_the_score_between_the_thresholds() -> None:
    limits = (("approve_threshold", "0.500"), ("reject_threshold", "0.363"))
    grey = face_match_summary(FACE, _report(("confidence_score", "0.42"), *limits))
    assert grey is not None
    assert grey["score"] == 0.42 and grey["thresholds"] == {"approve": 0.5, "reject": 0.363}
    assert grey["band"].startswith("between the thresholds")
    assert grey["portrait_box"] is None
    boxed = face_match_summary(FACE, _report(*limits, ("document_face_box", "10.4,20,30,40")))
    assert boxed and boxed["portrait_box"] == "10,20,30,40"
    for bad in ("1,2,3", "1,2,0,4", "-1,2,3,4", "a,b,c,d"):
        found = face_match_summary(FACE, _report(*limits, ("document_face_box", bad)))
        assert found and found["portrait_box"] is None, bad
    high = face_match_summary(FACE, _report(("confidence_score", "0.50"), *limits))
    low = face_match_summary(FACE, _report(("confidence_score", "0.36"), *limits))
    assert high and high["band"] == "above the approve threshold"
    assert low and low["band"] == "below the reject threshold"
    unmeasured = face_match_summary(
        FACE, _report(*limits, ("not_measurable", "SELFIE_FACE_NOT_FOUND"))
    )
    assert unmeasured and unmeasured["score"] is None
    assert unmeasured["band"] == "not measured"
    assert unmeasured["not_measurable"] == "SELFIE_FACE_NOT_FOUND"
    # No score and no threshold (an engine's empty breakdown, a task): nothing to show.
    assert face_match_summary(FACE, _report(("model", "x"))) is None
    assert face_match_summary(FACE, {"report": None}) is None
    assert face_match_summary(FACE, None) is None
    # Another check's thresholds are not a face score (authenticity's moire_threshold...).
    authenticity = _report(("moire", "10.0"), ("moire_threshold", "15.0"))
    assert face_match_summary("ID_DOCUMENT_AUTHENTICITY", authenticity) is None
    assert face_match_summary("FACE_COMPARISON", _report(*limits)) is not None


def test_source_text() -> None:
    assert source_text({"source": "MRZ"}) == "read from the MRZ"
    assert source_text({"source": "PRINTED", "confidence": 0.934}) == (
        "read from the printed text (93% confident)"
    )
    assert source_text({"source": "MRZ", "printed_confidence": 0.9}) == (
        "read from the MRZ; the printed text agrees"
    )
    assert source_text("MRZ") == ""


def test_the_case_page_is_prefilled_with_the_machines_read_escaped() -> None:
    html = CONSOLE_TEMPLATES.get_template("case.html").render(
        prefix="/console", who={"id": "r1", "email": "a@example.com", "role": "reviewer"},
        csrf="token", proposal=None, values=["PROGRESS"], reasons=[], machine_result={},
        fields='{"full_name": "ANNA \\"<b>\\""}', entry_fields=ENTRY_FIELDS,
        read={"full_name": 'ANNA "<b>', "date_of_birth": "1974-08-12"},
        sources={"full_name": "read from the MRZ"}, approve_value="PROGRESS",
        reject_value="MUST_TRY_AGAIN", rest=[],
        evidence=Evidence([Image("m1", "passport page 1", "page")], [Image("m2", "f", "frame")]),
        item={"kind": "task", "id": "t1", "type": "ID_DOCUMENT_TEXT_DATA_EXTRACTION",
              "session_id": "s1"},
    )  # fmt: skip
    assert 'value="ANNA &#34;&lt;b&gt;"' in html and "<b>" not in html
    assert 'value="1974-08-12"' in html
    assert '<small class="source" id="source-full_name">read from the MRZ</small>' in html
    assert "Filled in from the machine's read" in html
    assert 'name="next" value="1"' in html  # recording goes on to the next item
    assert 'data-approve="PROGRESS" data-reject="MUST_TRY_AGAIN"' in html
    # The item's page at once; the session's other images only when asked for.
    assert html.count('loading="lazy"') == 1
    # The page at the size its frame shows it, the width the worker prepares as it queues
    # the item (review/renditions.py); the original when zoomed or asked for.
    assert f'src="/console/media/s1/m1?w={SHOWN_WIDTH}"' in html
    assert 'data-full="/console/media/s1/m1"' in html
    assert 'href="/console/media/s1/m1" target="_blank"' in html
    assert 'src="/console/media/s1/m2"' in html  # a frame is small already: as it is
    assert html.index('id="decide"') < html.index('id="evidence-title"')  # Tab order
