"""Checking a citizen's submitted answers against an instrument version."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from instruments.items import Item
from instruments.text import DEFAULT_LANGUAGE, check_language

FORM_FIELD = "_form"
_LABEL_LIMIT = 64
_CODED_VALUE = re.compile(r"[0-9]{1,9}")
_PROCEDURE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# Control characters other than newline and tab come from copy-paste accidents or attacks, never from a person.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Message:
    vi: str
    en: str

    def get(self, lang: str = DEFAULT_LANGUAGE) -> str:
        text: str = getattr(self, check_language(lang))
        return text


class AnswerErrors(ValueError):
    """Every problem in one submission, keyed by item code (or field name), each in Vietnamese and English."""

    def __init__(self, errors: Mapping[str, Message]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{name}: {message.en}" for name, message in list(self.errors.items())[:20])
        more = len(self.errors) - 20
        super().__init__(summary + (f"; and {more} more" if more > 0 else ""))

    def messages(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
        return {name: message.get(lang) for name, message in self.errors.items()}


class _Rejected(Exception):
    def __init__(self, message: Message) -> None:
        self.message = message


MISSING = Message("Vui lòng trả lời câu hỏi này.", "Please answer this question.")
MULTIPLE = Message("Câu hỏi này chỉ nhận một câu trả lời.", "This question takes a single answer.")
NOT_TEXT = Message("Câu trả lời không hợp lệ.", "The answer is not valid.")
NOT_INTEGER = Message("Câu trả lời phải là một số nguyên.", "The answer must be a whole number.")
UNKNOWN_CHOICE = Message("Lựa chọn này không có trong danh sách.", "This is not one of the offered choices.")
INVALID_CHARACTERS = Message("Nội dung chứa ký tự không hợp lệ.", "The text contains invalid characters.")
UNKNOWN_PROCEDURE = Message("Thủ tục này không có trong danh sách.", "This procedure is not on the list.")
NOT_A_FORM = Message("Dữ liệu gửi lên không phải là một biểu mẫu.", "The submission is not a form.")


def _out_of_range(low: int, high: int) -> Message:
    return Message(f"Vui lòng chọn một mức từ {low} đến {high}.", f"Please choose a level from {low} to {high}.")


def _too_long(limit: int) -> Message:
    return Message(f"Nội dung quá dài: tối đa {limit} ký tự.", f"The text is too long: at most {limit} characters.")


def _unknown_field(label: str) -> Message:
    return Message(f"Trường {label} không thuộc bảng hỏi này.", f"The field {label} is not part of this questionnaire.")


def _field_label(name: object) -> str:
    if not isinstance(name, str):
        return f"<{type(name).__name__}>"
    # Field names are echoed back to the client, so a hostile one must not come back whole.
    shown = name if len(name) <= _LABEL_LIMIT else name[:_LABEL_LIMIT] + "…"
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def _single(value: object) -> str | None:
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) > 1:
            raise _Rejected(MULTIPLE)
        value = value[0] if value else None
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Rejected(NOT_TEXT)
    return value


def _coded(item: Item, value: str) -> int:
    if not _CODED_VALUE.fullmatch(value):
        raise _Rejected(NOT_INTEGER)
    code = int(value)
    codes = item.option_codes()
    if code in codes:
        return code
    if item.type in ("scale5", "agree5"):
        raise _Rejected(_out_of_range(min(codes), max(codes)))
    raise _Rejected(UNKNOWN_CHOICE)


def _free_text(item: Item, value: str) -> str:
    limit = item.max_length or 0
    # NFD input is at most a few code points per NFC character; anything far longer is too long whatever it holds.
    if len(value) > 4 * limit + 16:
        raise _Rejected(_too_long(limit))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Rejected(INVALID_CHARACTERS) from None
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = _CONTROL.sub("", value).strip()
    if len(value) > limit:
        raise _Rejected(_too_long(limit))
    return value


def _procedure(value: str, procedures: Collection[str] | None) -> str:
    known = value in procedures if procedures is not None else _PROCEDURE_CODE.fullmatch(value) is not None
    if not known:
        raise _Rejected(UNKNOWN_PROCEDURE)
    return value


def _clean(item: Item, value: str, procedures: Collection[str] | None) -> int | str:
    if item.coded:
        return _coded(item, value)
    if item.type == "procedure":
        return _procedure(value, procedures)
    return _free_text(item, value)


def validate_answers(
    items: Sequence[Item],
    raw: Mapping[str, str | list[str]],
    procedures: Collection[str] | None = None,
    *,
    ignore: Collection[str] = (),
) -> dict[str, int | str]:
    """Cleaned answers in item order; empty optional answers are left out.

    `procedures` lists the procedure codes the service point offers; without it a procedure answer is only
    checked to look like a procedure code. `ignore` names form fields that are not answers (such as a nonce).
    """
    if not isinstance(raw, Mapping):
        raise AnswerErrors({FORM_FIELD: NOT_A_FORM})
    codes = {item.code for item in items}
    errors: dict[str, Message] = {}
    for name in raw:
        if name not in codes and not (isinstance(name, str) and name in ignore):
            label = _field_label(name)
            errors[label] = _unknown_field(label)
    cleaned: dict[str, int | str] = {}
    for item in items:
        try:
            value = _single(raw.get(item.code))
            if value is not None and len(value) <= 64:
                value = value.strip()
            answer = _clean(item, value, procedures) if value else None
            if answer in (None, ""):
                if item.required:
                    raise _Rejected(MISSING)
                continue
            cleaned[item.code] = answer
        except _Rejected as rejection:
            errors[item.code] = rejection.message
    if errors:
        raise AnswerErrors(errors)
    return cleaned
