"""Answer types and the built-in coded scales shared by every instrument."""

from __future__ import annotations

from dataclasses import dataclass

from instruments.text import Text


@dataclass(frozen=True)
class Option:
    code: int
    label: Text

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "label": self.label.to_dict()}


SCALE5 = (
    Option(1, Text("Rất không hài lòng", "Very dissatisfied")),
    Option(2, Text("Không hài lòng", "Dissatisfied")),
    Option(3, Text("Bình thường", "Neutral")),
    Option(4, Text("Hài lòng", "Satisfied")),
    Option(5, Text("Rất hài lòng", "Very satisfied")),
)
AGREE5 = (
    Option(1, Text("Hoàn toàn không đồng ý", "Strongly disagree")),
    Option(2, Text("Không đồng ý", "Disagree")),
    Option(3, Text("Trung lập", "Neither agree nor disagree")),
    Option(4, Text("Đồng ý", "Agree")),
    Option(5, Text("Hoàn toàn đồng ý", "Strongly agree")),
)
YESNO = (
    Option(1, Text("Có", "Yes")),
    Option(0, Text("Không", "No")),
)

BUILTIN_OPTIONS: dict[str, tuple[Option, ...]] = {"scale5": SCALE5, "agree5": AGREE5, "yesno": YESNO}
# The procedure list belongs to the application (it differs per service point), so the instrument only
# declares the item; the app passes the allowed procedure codes to validate_answers.
ITEM_TYPES = ("scale5", "agree5", "yesno", "choice", "text", "procedure")
CODED_TYPES = frozenset({"scale5", "agree5", "yesno", "choice"})
# Only 5-point ordinal items can feed a satisfaction index.
INDEX_TYPES = frozenset({"scale5", "agree5"})
DEFAULT_SATISFIED = (4, 5)
