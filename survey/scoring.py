"""The index columns stored on a response, from its answers, by the definition of the version it answered.

The survey page and the JSON API (through the submission writer), the demo loader and the reports all use
these names and this function, so every stored rating and fingerprint comes from
:meth:`instruments.IndexDefinition.score` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping

from instruments import IndexDefinition, Instrument
from survey.core.ratings import ELEMENT_COLUMNS, FINGERPRINT_COLUMN, OVERALL_COLUMN, SCORE_COLUMNS

__all__ = ["SCORE_COLUMNS", "DoesNotFit", "check_fits", "stored_scores"]


class DoesNotFit(ValueError):
    """An index definition has more elements than a response row has rating columns."""


def check_fits(definition: IndexDefinition) -> None:
    if len(definition.elements) > len(ELEMENT_COLUMNS):
        raise DoesNotFit(f"instrument {definition.instrument} version {definition.version} has "
                         f"{len(definition.elements)} index elements; a response stores at most {len(ELEMENT_COLUMNS)}")


def stored_scores(instrument: Instrument, answers: Mapping[str, int | str]) -> dict[str, int | str | None]:
    """``e1``..``e5``, ``overall`` and ``index_fingerprint`` of a response with these checked answers."""
    definition = instrument.index_definition()
    check_fits(definition)
    scores = definition.score(answers)
    columns: dict[str, int | str | None] = dict.fromkeys(ELEMENT_COLUMNS)
    columns.update(zip(ELEMENT_COLUMNS, scores.elements))
    columns[OVERALL_COLUMN] = scores.overall
    columns[FINGERPRINT_COLUMN] = scores.fingerprint
    return columns
