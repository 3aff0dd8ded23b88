"""Versioned questionnaires (instruments) as data: schema, loader, validator and answer checking.

Definitions live in `definitions/<key>/<version>.yaml`; published versions are locked in
`definitions/published.lock.yaml` and never change.
"""

from instruments.answers import AnswerErrors, Message
from instruments.checks import check_definitions, inspect_definitions
from instruments.index_definition import SCORING_RULE, ElementIndex, IndexDefinition, Scores
from instruments.items import Element, Item
from instruments.model import Instrument
from instruments.problems import InstrumentDefinitionError, Problem
from instruments.registry import Registry, UnknownInstrument, get, load_all, lock_published, registry, use_definitions
from instruments.scales import ITEM_TYPES, Option
from instruments.text import LANGUAGES, Text

__all__ = [
    "ITEM_TYPES",
    "LANGUAGES",
    "SCORING_RULE",
    "AnswerErrors",
    "Element",
    "ElementIndex",
    "IndexDefinition",
    "Instrument",
    "InstrumentDefinitionError",
    "Item",
    "Message",
    "Option",
    "Problem",
    "Registry",
    "Scores",
    "Text",
    "UnknownInstrument",
    "check_definitions",
    "get",
    "inspect_definitions",
    "load_all",
    "lock_published",
    "registry",
    "use_definitions",
]
