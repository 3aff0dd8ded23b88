"""Personal data removed from kept free text: examples and properties."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from survey.exports.scrub import EMAIL, ID_NUMBER, NAME, PHONE, scrub

DIGIT_RUN = re.compile(r"\d(?:[\s.\-]?\d){7,}")


def test_phone_numbers_in_common_spellings():
    for phone in ("0912345678", "0912 345 678", "0912.345.678", "+84 912 345 678", "+84912345678", "024 3825 1234"):
        assert scrub(f"gọi {phone} nhé") == f"gọi {PHONE} nhé", phone


def test_email_addresses():
    assert scrub("thư: nguyen.van.a+1@gmail.com.vn.") == f"thư: {EMAIL}."


def test_identity_numbers():
    assert scrub("CMND 123456789") == f"CMND {ID_NUMBER}"
    assert scrub("CCCD số 001203004567 cấp 2021") == f"CCCD số {ID_NUMBER} cấp 2021"


def test_short_numbers_stay():
    assert scrub("quầy số 3, chờ 45 phút, năm 2026") == "quầy số 3, chờ 45 phút, năm 2026"


def test_titled_names_go_and_the_title_stays():
    assert scrub("Chị Nguyễn Thị Lan rất nhiệt tình") == f"Chị {NAME} rất nhiệt tình"
    assert scrub("cán bộ Hùng giúp em Trần Văn An") == f"cán bộ {NAME} giúp em {NAME}"
    assert scrub("tên là Lê Minh") == f"tên là {NAME}"


def test_lower_case_after_a_title_is_not_a_name():
    assert scrub("anh ấy làm nhanh, chị hướng dẫn kỹ") == "anh ấy làm nhanh, chị hướng dẫn kỹ"


def test_decomposed_vietnamese_is_matched():
    text = unicodedata.normalize("NFD", "Chị Nguyễn Thị Lan")
    assert scrub(text) == f"Chị {NAME}"


words = st.text(alphabet="abcdeghiklmnopqrstuvxyàáảãạăâêôơưđ ", max_size=30)
vietnamese_phone = st.builds(lambda prefix, digits, sep: prefix + sep.join([digits[:3], digits[3:6], digits[6:]]),
                             st.sampled_from(["0", "+84", "84"]),
                             st.text(alphabet="0123456789", min_size=9, max_size=9),
                             st.sampled_from(["", " ", ".", "-"]))
id_number = st.text(alphabet="0123456789", min_size=9, max_size=12).filter(lambda s: len(s) in (9, 12))
capitalised = st.text(alphabet="abcdeghiklmnopqrstuvxyàáảãạăâêôơư", min_size=1, max_size=8).map(str.capitalize)
name = st.lists(capitalised, min_size=1, max_size=4).map(" ".join)
title = st.sampled_from(["anh", "Chị", "ông", "Bà", "cô", "chú", "em", "cán bộ", "công chức"])


@given(words, vietnamese_phone, words)
def test_no_phone_number_survives(before, phone, after):
    out = scrub(f"{before} {phone} {after}")
    assert phone not in out and not DIGIT_RUN.search(out)


@given(words, id_number, words)
def test_no_id_number_survives(before, number, after):
    out = scrub(f"{before} {number} {after}")
    assert number not in out and not DIGIT_RUN.search(out)


@given(st.from_regex(r"[a-z][a-z0-9._]{0,10}@[a-z]{1,8}\.(vn|com|gov\.vn)", fullmatch=True), words)
def test_no_email_survives(address, after):
    assert "@" not in scrub(f"{address} {after}")


@given(words, title, name)
def test_titled_names_never_survive(before, a_title, a_name):
    out = scrub(f"{before} {a_title} {a_name}.")
    # The title itself may go too: when ``before`` ends with another title, the capitalised title is read as
    # the first word of the name ("bà Chị Lan." -> "bà [tên].").
    assert out.endswith(f" {NAME}.")
    assert all(word not in out.split() for word in a_name.split() if word not in before.split())


@given(st.text(max_size=80))
def test_scrubbing_is_idempotent(text):
    once = scrub(text)
    assert scrub(once) == once


def test_spellings_the_review_got_past_the_scrubber():
    assert scrub("gọi 0912/345/678 nhé") == f"gọi {PHONE} nhé"
    assert scrub("gọi 0912  345  678 nhé") == f"gọi {PHONE} nhé"
    assert scrub("thư an @ gmail.com nhé") == f"thư {EMAIL} nhé"
    assert ID_NUMBER in scrub("CCCD 001,203,004,005") and "004" not in scrub("CCCD 001,203,004,005")


@given(
    digits=st.lists(st.integers(0, 9), min_size=9, max_size=9),
    separators=st.lists(st.sampled_from(["", " ", "  ", ".", "-", "/", ",", " - ", ". "]), min_size=9, max_size=9),
)
def test_no_phone_number_survives_any_separators(digits, separators):
    number = "0" + "".join(sep + str(d) for sep, d in zip(separators, digits))
    scrubbed = scrub(f"Số của tôi là {number} cảm ơn")
    assert not re.search(r"\d", scrubbed), (number, scrubbed)


def test_texts_a_spreadsheet_would_run_are_made_inert_and_numbers_are_not():
    from survey.exports.writers import inert

    assert inert('=HYPERLINK("http://evil.example","bấm")') == '\'=HYPERLINK("http://evil.example","bấm")'
    assert [inert(t) for t in ("+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx")] == ["'+1+2", "'-2+3", "'@SUM(A1)", "'\tx",
                                                                             "'\rx"]
    assert [inert(v) for v in ("-1", "-0.5", "+3", "1e-3", "Cán bộ tốt", 5, None)] == ["-1", "-0.5", "+3", "1e-3",
                                                                                      "Cán bộ tốt", 5, None]


def test_a_csv_field_starting_with_a_formula_is_written_inert(tmp_path):
    import csv as csv_module

    import numpy as np

    from instruments.text import Text
    from survey.exports.dataset import INTEGER, STRING, Run, Variable
    from survey.exports.writers import CsvWriter

    variables = [Variable("rating", INTEGER, Text(vi="Điểm", en="Rating")),
                 Variable("comment", STRING, Text(vi="Ý kiến", en="Comment"))]
    writer = CsvWriter(tmp_path / "x.csv", variables)
    table = [("-1", '=HYPERLINK("http://evil.example","bấm")'), ("5", "Tốt")]
    writer.write([Run(names=("rating", "comment"), table=table, index=np.array([0, 1]))])
    writer.close()
    with open(tmp_path / "x.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv_module.reader(handle))
    assert rows == [["rating", "comment"], ["-1", '\'=HYPERLINK("http://evil.example","bấm")'], ["5", "Tốt"]]
