"""The lexicon on the labelled sample (335 comments): precision and recall per element, printed, and a floor
under each so that a lexicon edit that breaks an element fails here."""

from __future__ import annotations

from survey.feedback.lexicon import DEFAULT, ELEMENTS, classify, compile_lexicon, normalize
from tests.feedback.accuracy import labelled, scores

FLOOR = 0.8


def test_sample_is_large_and_covers_every_element():
    rows = labelled()
    assert len(rows) >= 300
    assert all(sum(e in truth for truth, _ in rows) >= 30 for e in ELEMENTS)
    assert sum(not truth for truth, _ in rows) >= 20


def test_each_element_has_precision_and_recall_above_the_floor(capsys):
    result = scores(DEFAULT)
    with capsys.disabled():
        print("\nlexicon on the labelled sample:")
        for element, s in result.items():
            print(f"  {element:14} precision {s['precision']:.2f}  recall {s['recall']:.2f}  (n={s['support']})")
    low = {e: s for e, s in result.items() if s["precision"] < FLOOR or s["recall"] < FLOOR}
    assert low == {}


def test_matching_ignores_diacritics_case_and_punctuation_but_not_word_boundaries():
    compiled = compile_lexicon({"civil_servant": ["cán bộ"], "results": ["đúng hẹn"], "access": ["phải chờ"]})
    assert classify("CAN BO, nhiet tinh!", compiled) == ["civil_servant"]
    assert classify("Trả kết quả Đúng Hẹn.", compiled) == ["results"]
    assert classify("Tôi phải chờ.", compiled) == ["access"]
    assert classify("cho tôi hỏi", compiled) == []
    assert classify("cánbộ", compiled) == []
    assert normalize("Đường  dây-nóng") == " duong day nong "
