"""What the survey page shows, as plain data for the template: the same for a first view and a re-render."""

from __future__ import annotations

from dataclasses import dataclass, field

from instruments import Instrument
from survey.citizen.targets import Target
from survey.core.text import pick_language

_WORDS = {
    "vi": {
        "submit": "Gửi đánh giá",
        "choose": "— Chọn thủ tục (không bắt buộc) —",
        "optional": "không bắt buộc",
        "required": "bắt buộc",
        "switch": "English",
        "fix": "Vui lòng kiểm tra lại các câu có đánh dấu lỗi bên dưới.",
        "busy": "Hệ thống đang bận nên chưa lưu được đánh giá. Câu trả lời của Ông/Bà vẫn còn nguyên, "
                "vui lòng bấm Gửi lại sau ít giây.",
        "retry": "Gửi lại",
        "unit": "Đơn vị",
        "counter": "Quầy",
        "thanks": "Cảm ơn Ông/Bà đã đánh giá!",
        "thanks_text": "Ý kiến của Ông/Bà đã được ghi nhận và giúp cải thiện chất lượng phục vụ.",
        "already": "Đánh giá này đã được ghi nhận trước đó; không cần gửi lại.",
        "chars": "tối đa {n} ký tự",
        "reply": "Nhận trả lời cho góp ý",
        "reply_consent": "Tôi đồng ý để lại số điện thoại hoặc thư điện tử để cơ quan trả lời góp ý của tôi.",
        "reply_contact": "Số điện thoại hoặc địa chỉ thư điện tử",
        "reply_note": "Chỉ lãnh đạo đơn vị xem được. Thông tin được mã hoá và tự xoá khi góp ý được xử lý xong "
                      "hoặc sau 90 ngày. Không đánh dấu ô đồng ý thì không lưu gì.",
    },
    "en": {
        "submit": "Send my rating",
        "choose": "— Choose the procedure (optional) —",
        "optional": "optional",
        "required": "required",
        "switch": "Tiếng Việt",
        "fix": "Please check the questions marked below.",
        "busy": "The service is busy and your rating was not saved yet. Your answers are kept here; "
                "please press Send again in a few seconds.",
        "retry": "Send again",
        "unit": "Office",
        "counter": "Counter",
        "thanks": "Thank you for your rating!",
        "thanks_text": "Your opinion has been recorded and helps improve the service.",
        "already": "This rating was already received; there is no need to send it again.",
        "chars": "at most {n} characters",
        "reply": "Get an answer to your comment",
        "reply_consent": "I agree to leave a phone number or e-mail address so that the office can answer my comment.",
        "reply_contact": "Phone number or e-mail address",
        "reply_note": "Only the office's managers can see it. It is encrypted and deleted when your comment has been "
                      "handled, or after 90 days. If the box is not ticked, nothing is kept.",
    },
}


def language(requested: object, default: str) -> str:
    return pick_language(requested, default)


def words(lang: str) -> dict[str, str]:
    return _WORDS[lang]


@dataclass(frozen=True)
class Question:
    code: str
    type: str
    text: str
    hint: str
    required: bool
    options: tuple[tuple[str, str], ...]
    max_length: int | None


@dataclass
class PageState:
    """What the citizen already entered, and what is wrong with it."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    busy: bool = False


def questions(instrument: Instrument, lang: str, procedures: list[tuple[str, str]]) -> list[Question]:
    result = []
    for item in instrument.items:
        if item.type == "procedure":
            options = tuple(procedures)
        else:
            options = tuple((str(option.code), option.label.get(lang)) for option in item.options)
        result.append(Question(
            code=item.code, type=item.type, text=item.text.get(lang),
            hint=item.hint.get(lang) if item.hint else "", required=item.required,
            options=options, max_length=item.max_length,
        ))
    return result


def instrument_codes(instrument: Instrument) -> set[str]:
    return {item.code for item in instrument.items}


def context(
    target: Target, instrument: Instrument, lang: str, procedures: list[tuple[str, str]], nonce: str,
    state: PageState,
) -> dict[str, object]:
    values = dict(state.values)
    if target.procedure_code and not values.get("procedure"):
        values["procedure"] = target.procedure_code
    return {
        "lang": lang,
        "other_lang": "en" if lang == "vi" else "vi",
        "w": words(lang),
        "title": instrument.title(lang),
        "intro": instrument.intro(lang),
        "unit_name": target.place.unit_name,
        "counter_name": target.place.counter_name,
        "questions": questions(instrument, lang, procedures),
        # Problems not tied to a question (an unknown field, a stale form) go in the summary at the top.
        "general_errors": [message for code, message in state.errors.items() if code not in instrument_codes(instrument)],
        "token": target.token,
        "nonce": nonce,
        "values": values,
        "errors": state.errors,
        "busy": state.busy,
    }


def form_values(raw: dict[str, list[str]]) -> dict[str, str]:
    """The submitted fields as single strings, for putting back into a re-rendered form."""
    return {name: values[-1] for name, values in raw.items() if values and isinstance(values[-1], str)}
