"""Removing personal data from free-text answers kept in an export (``--keep-text``).

What is removed, each replaced by a bracketed placeholder:

- e-mail addresses;
- phone numbers: ``+84``/``84``/``0`` followed by 8-10 more digits, with up to three spaces, dots, dashes,
  slashes or commas between digit groups;
- identity numbers: a run of 9 digits (old ID card, CMND) or 12 digits (citizen ID, CCCD), and, to be safe,
  any other run of 8 or more digits (with or without separators), which catches tax codes, social
  insurance and dossier numbers as well;
- personal names introduced by a form of address or a job title (``anh``, ``chị``, ``ông``, ``bà``, ``cô``,
  ``chú``, ``em``, ``bác``, ``cháu``, ``bạn``, ``cán bộ``, ``công chức``, ``chuyên viên``, ``đồng chí``,
  ``tên là``, ``tôi là``): the capitalised words that follow (up to four).

Limits, said plainly: a name written without such a word in front ("Hùng làm rất nhanh"), in lower case
("chị lan"), or misspelt, stays; a capitalised word after a title that is not a name ("chị Hài lòng") is
removed too. Addresses, licence plates written with letters, and indirect descriptions ("the tall officer
at counter 2") are not detected. Keeping text is therefore an explicit choice, and the codebook says so.
"""

from __future__ import annotations

import re
import unicodedata

EMAIL = "[email]"
PHONE = "[điện thoại]"
ID_NUMBER = "[số giấy tờ]"
NAME = "[tên]"

# Spaces around the "@" are a common way to dodge filters ("an @ gmail.com").
_EMAIL = re.compile(r"[\w.+-]+\s{0,3}@\s{0,3}[\w-]+(?:\.[\w-]+)+")
# Between digit groups: nothing, or up to three spaces, dots, dashes, slashes or commas ("0912/345/678",
# "0912  345  678", "001,203,004,005").
_SEPARATOR = r"[\s./,\-]{0,3}"
# A phone number ends where no further digit follows, even after a separator: a longer run is an ID number.
_PHONE = re.compile(rf"(?<![\w+])(?:\+84|84|0){_SEPARATOR}(?:\d{_SEPARATOR}){{7,9}}\d(?!{_SEPARATOR}\d)")
_LONG_NUMBER = re.compile(rf"(?<!\d)\d(?:{_SEPARATOR}\d){{7,}}(?!\d)")
_TITLES = (
    "anh", "chị", "ông", "bà", "cô", "chú", "em", "bác", "cháu", "bạn",
    "cán bộ", "công chức", "chuyên viên", "đồng chí", "tên là", "tôi là",
)
_TITLE = "|".join(title.replace(" ", r"\s+") for title in _TITLES)
_AFTER_TITLE = re.compile(rf"\b(?:{_TITLE})\s+", re.IGNORECASE)
_WORD = re.compile(r"([^\W\d_]+)(\s*)")
MAX_NAME_WORDS = 4


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Where the capitalised words after each title are; titles are found one by one, so a title inside
    what follows another ("chị em Lan") is still seen."""
    spans: list[tuple[int, int]] = []
    for title in _AFTER_TITLE.finditer(text):
        position, start, end = title.end(), None, None
        for _ in range(MAX_NAME_WORDS):
            word = _WORD.match(text, position)
            if word is None or not word[1][0].isupper():
                break
            start = position if start is None else start
            end, position = position + len(word[1]), word.end()
            if not word[2]:
                break
        if start is not None:
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
    return spans


def scrub(text: str) -> str:
    """``text`` without e-mail addresses, phone and ID numbers, and titled names (see the module notes)."""
    # Vietnamese typed on some phones arrives decomposed (NFD); the patterns are written composed.
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub(EMAIL, text)
    text = _PHONE.sub(PHONE, text)
    text = _LONG_NUMBER.sub(ID_NUMBER, text)
    pieces, last = [], 0
    for start, end in _name_spans(text):
        pieces += [text[last:start], NAME]
        last = end
    return "".join(pieces) + text[last:]
