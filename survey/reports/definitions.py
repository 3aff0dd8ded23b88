"""Which index definitions one report may pool, decided from the fingerprints its cells were scored with.

Every response stores the fingerprint of the index definition of the version it answered. The report's
period must be scored by one definition, or by definitions the instrument declares comparable
(``index.comparable_with``); otherwise the report is refused with a message naming the versions, rather
than estimating one index from ratings that mean different things. Months outside the period (the previous
period, the trend) count only where their definition pools with the period's: a change or a trend point
across incomparable definitions is left out, never computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import instruments
from instruments import IndexDefinition, Instrument
from survey.core.periods import Period, month_label
from survey.reports.totals_query import PatternCounts


@dataclass(frozen=True)
class Scored:
    """Responses stored with one fingerprint: the versions they answered and their months in the period."""

    fingerprint: str
    versions: tuple[int, ...]
    first_month: str
    last_month: str
    # None when no published version's definition has this fingerprint (an unknown or missing one).
    definition: IndexDefinition | None

    def describe(self, lang: str) -> str:
        months = self.first_month if self.first_month == self.last_month else f"{self.first_month}..{self.last_month}"
        word = ("phiên bản" if lang == "vi" else "version" if len(self.versions) == 1 else "versions")
        unknown = "" if self.definition is not None else (
            " (chấm theo một cách tính không còn trong phần mềm)" if lang == "vi" else
            " (scored by a definition this release does not have)")
        return f"{word} {', '.join(map(str, self.versions))} ({months}){unknown}"


class DefinitionsDiffer(ValueError):
    """The responses of a report's period were scored by index definitions that may not be pooled."""

    def __init__(self, instrument_key: str, period: str, groups: list[Scored]) -> None:
        self.instrument_key, self.period, self.groups = instrument_key, period, groups
        super().__init__(f"{self.text('vi')}\n{self.text('en')}")

    def text(self, lang: str = "vi") -> str:
        parts = "; ".join(group.describe(lang) for group in self.groups)
        if lang == "vi":
            return (f"Không thể gộp chỉ số của bảng hỏi {self.instrument_key} trong kỳ {self.period}: các câu trả lời "
                    f"được tính theo những cách tính chỉ số khác nhau ({parts}) và bảng hỏi không khai báo chúng so "
                    "sánh được với nhau. Hãy lập báo cáo riêng cho các tháng của từng phiên bản.")
        return (f"The indices of {self.instrument_key} cannot be pooled for {self.period}: its responses were scored "
                f"by different index definitions ({parts}) and the instrument does not declare them comparable. "
                "Report the months of each version separately.")


@dataclass(frozen=True)
class Pooled:
    """The definition a report shows (elements, weights, titles: the latest version scored in its period)
    and every fingerprint whose cells it may estimate with it."""

    instrument: Instrument
    definition: IndexDefinition
    fingerprints: tuple[str, ...]
    versions: tuple[int, ...]


def _definitions(key: str) -> dict[int, IndexDefinition]:
    registry = instruments.registry()
    return {version: registry.get(key, version).index_definition() for version in registry.versions(key)}


def _scored(cells: PatternCounts, inside: np.ndarray, known: dict[int, IndexDefinition]) -> list[Scored]:
    groups = []
    for fingerprint in sorted(set(cells.fingerprint[inside].tolist())):
        mine = inside & (cells.fingerprint == fingerprint)
        versions = tuple(sorted(set(cells.version[mine].tolist())))
        months = cells.month[mine]
        # A stored fingerprint is trusted only if it is the definition of a version that stored it.
        definition = next((known[v] for v in versions if v in known and known[v].fingerprint == fingerprint), None)
        groups.append(Scored(fingerprint, versions, month_label(int(months.min())), month_label(int(months.max())),
                             definition))
    return groups


def pooled_definition(instrument_key: str, cells: PatternCounts, period: Period) -> Pooled:
    """The definition for a report on ``period`` from its valid ``cells``; raises DefinitionsDiffer."""
    known = _definitions(instrument_key)
    inside = (cells.month >= period.first) & (cells.month <= period.last) & (cells.rows > 0)
    groups = _scored(cells, inside, known)
    used = [group.definition for group in groups if group.definition is not None]
    if len(used) < len(groups) or any(not a.pools_with(b) for a in used for b in used):
        raise DefinitionsDiffer(instrument_key, period.label, groups)
    if not used:
        # No answer in the period: the latest version stands for it, as for the responses still to come.
        used = [known[max(known)]]
    shown = max(used, key=lambda d: d.version)
    poolable = [d for d in known.values() if all(d.pools_with(u) for u in used)]
    return Pooled(instruments.get(instrument_key, shown.version), shown,
                  tuple(sorted({d.fingerprint for d in poolable})), tuple(sorted(d.version for d in poolable)))


def cells_of(pooled: Pooled, cells: PatternCounts) -> PatternCounts:
    """The cells a report may estimate: those scored by a definition it pools."""
    return cells.subset(np.isin(cells.fingerprint, list(pooled.fingerprints)))
