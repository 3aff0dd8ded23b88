"""The codebook that travels with every export: JSON for programs, Markdown for people."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from instruments.model import Instrument
from survey.exports.dataset import NOT_ANSWERED_LABEL, SUPPRESSED_LABEL, Variable
from survey.exports.disclosure import SUPPRESSED

READERS = {
    "csv": ('d <- read.csv("{file}", encoding = "UTF-8")', 'd = pd.read_csv("{file}")'),
    # --excel: UTF-8 with a byte-order mark, which Excel needs to read Vietnamese and R and pandas must skip.
    "csv-excel": ('d <- read.csv("{file}", fileEncoding = "UTF-8-BOM")', 'd = pd.read_csv("{file}", encoding="utf-8-sig")'),
    "parquet": ('d <- as.data.frame(arrow::read_parquet("{file}"))', 'd = pd.read_parquet("{file}")'),
    "sav": ('d <- as.data.frame(haven::zap_labels(haven::read_sav("{file}")))', 'd = pd.read_spss("{file}", convert_categoricals=False)'),
    "dta": ('d <- as.data.frame(haven::zap_labels(haven::read_dta("{file}")))', 'd = pd.read_stata("{file}", convert_categoricals=False)'),
}
BOM_ENCODING = "UTF-8 with byte-order mark (opens in Excel)"
TEXT_POLICY_DROPPED = "free-text answers are not in the file"
TEXT_POLICY_KEPT = (
    "free-text answers are kept after removing e-mail addresses, phone numbers, runs of 8 or more digits "
    "(ID-card, CCCD and other numbers) and capitalised words after a form of address or job title (anh, chị, "
    "ông, bà, cô, chú, em, cán bộ, ...); names written without such a word, in lower case, or misspelt are not "
    "detected, so read the text before publishing it. In the CSV file, a text starting with =, +, -, @, a tab "
    "or a carriage return (and not a number) begins with an added apostrophe, so that a spreadsheet shows it "
    "instead of running it as a formula (OWASP's advice on CSV injection); remove that first apostrophe to "
    "read the text as typed"
)


def missing_values() -> dict[str, object]:
    """The two kinds of blank a reader must tell apart, the same in every format."""
    return {
        "not_answered": {**NOT_ANSWERED_LABEL.to_dict(), "written_as": "the format's missing value: an empty field "
                         "(CSV), null (Parquet), system-missing (SPSS), . (Stata)",
                         "note": "the respondent left the item blank (for procedure_group: no procedure, or a "
                                 "procedure without a field); excluded by every analysis by default"},
        "suppressed": {**SUPPRESSED_LABEL.to_dict(), "code": SUPPRESSED,
                       "written_as": f"{SUPPRESSED} in coded items (value label in SPSS and Stata), the text "
                                     f"\"{SUPPRESSED}\" in procedure_group and channel",
                       "note": "an answer hidden by local suppression (only in quasi-identifier columns); the "
                               "respondent may have answered or not. Treat it as missing in analyses: in R "
                               f"d[d == {SUPPRESSED}] <- NA, in pandas d.replace([{SUPPRESSED}, \"{SUPPRESSED}\"], pd.NA)"},
    }


def _variable(variable: Variable, instrument: Instrument) -> dict[str, object]:
    entry: dict[str, object] = {"name": variable.name, "type": variable.kind, "label": variable.label.to_dict()}
    if variable.item:
        entry["question"] = instrument.item(variable.item).text.to_dict()
        entry["item_type"] = instrument.item(variable.item).type
    if variable.values:
        entry["values"] = [{"code": code, **text.to_dict()} for code, text in variable.values.items()]
    if variable.note:
        entry["note"] = variable.note
    return entry


def reproduction(instrument: Instrument, file_name: str, file_format: str) -> dict[str, str]:
    """R and Python code that computes the index from the exported file alone."""
    definition = instrument.index_definition()
    satisfied = min(definition.satisfied_values)
    items = [element.item_codes[0] for element in definition.elements]
    shares = [element.weight for element in definition.elements]
    read_r, read_py = (template.format(file=file_name) for template in READERS[file_format])
    r_items = ", ".join(f'"{code}"' for code in items)
    r = "\n".join([
        "library(survey)",
        read_r,
        "design <- svydesign(ids = ~cluster, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)",
        f'svyciprop(~I({items[0]} >= {satisfied}), design, method = "beta", na.rm = TRUE)',
        f"elements <- c({r_items})",
        f"shares <- c({', '.join(repr(s) for s in shares)})",
        f'p <- sapply(elements, function(e) coef(svyciprop(as.formula(paste0("~I(", e, " >= {satisfied})")), '
        'design, method = "beta", na.rm = TRUE)))',
        "sum(shares * p)  # the composite index",
    ])
    py = "\n".join([
        "import numpy as np, pandas as pd",
        "from stats import Design",
        read_py,
        'design = Design(d["weight"].to_numpy(float), strata=d["stratum"].to_numpy(), clusters=d["cluster"].to_numpy())',
        f"satisfied = lambda code: np.where(d[code].isna(), np.nan, d[code] >= {satisfied}).astype(float)",
        f'print(design.proportion(satisfied("{items[0]}")).ci(method="beta"))',
        f"print(design.composite([satisfied(code) for code in {items!r}], weights={shares!r}).value)",
    ])
    return {"r": r, "python": py}


def build(*, instrument: Instrument, variables: Sequence[Variable], dataset: Mapping[str, object],
          weighting: Mapping[str, object], disclosure: Mapping[str, object], keep_text: bool) -> dict[str, object]:
    definition = instrument.index_definition()
    return {
        "dataset": dict(dataset),
        "instrument": {"key": instrument.key, "version": instrument.version, "fingerprint": instrument.fingerprint(),
                       "title": instrument.title_text.to_dict()},
        "variables": [_variable(variable, instrument) for variable in variables],
        "missing_values": missing_values(),
        "weighting": dict(weighting),
        "design": {
            "strata": "stratum", "clusters": "cluster", "weights": "weight", "nest": True,
            "note": "strata are provinces and clusters service counters, both as pseudonyms made with a random key "
                    "for this export only: stable within the file, not linkable to the database or to other exports; "
                    "the responses of a unit shown as a unit above it form a stratum of their own (the shown unit's), "
                    "so the stratum never tells more than the unit column",
            "variance": "the published reports post-stratify every unit and month to its dossier volume (R's "
                        "postStratify); the weights here are post-stratified the same way but on the cells the file "
                        "writes (the unit and period shown, after generalisation), because a weight per unit and "
                        "month would give the month of a row shown with its quarter. Where nothing is generalised "
                        "the code below gives the published point estimates; where units or months are merged, "
                        "estimates close to them. It treats the weights as fixed: its standard errors and intervals "
                        "are usually wider than the published ones",
        },
        "index": {
            "satisfied_values": list(definition.satisfied_values),
            "elements": [{"key": e.key, "share": e.weight, "items": list(e.item_codes)} for e in definition.elements],
            "overall_item": definition.overall_item,
            "definition": "element index = weighted share satisfied among respondents who rated the element; "
                          "composite = sum of element shares times element indices",
        },
        "disclosure": {**disclosure, "free_text": TEXT_POLICY_KEPT if keep_text else TEXT_POLICY_DROPPED,
                       "timestamps": "no timestamps: each response carries only its period at the written grain",
                       "limits": "the weight is constant within a written unit and period and tells nothing more; "
                                 "the cluster is constant within a counter and left out of the k check (every "
                                 "counter is its own cluster, so that variances stay right), so an intruder who knows "
                                 "how many responses each counter had could match cluster pseudonyms to counters: "
                                 "that tells the counter of a row, and for a unit shown as a unit above it (merged "
                                 "for having fewer than k responses) the unit itself; the answers stay k-anonymous "
                                 "on the other quasi-identifiers"},
        "reproduce": reproduction(instrument, str(dataset["file"]),
                                  "csv-excel" if dataset.get("encoding") == BOM_ENCODING else str(dataset["format"])),
    }


def _values_text(entry: Mapping[str, object]) -> str:
    values = entry.get("values") or []
    return "; ".join(f"{v['code']} = {v['vi']} ({v.get('en', v['vi'])})" for v in values)


def markdown(book: Mapping[str, object]) -> str:
    dataset, instrument = book["dataset"], book["instrument"]
    disclosure = book["disclosure"]
    lines = [
        f"# Codebook: {dataset['file']}",
        "",
        f"- Instrument: {instrument['title']['vi']} / {instrument['title'].get('en', '')} "
        f"(`{instrument['key']}` version {instrument['version']}, {instrument['fingerprint']})",
        f"- Scope: {dataset['scope']}; period {dataset['period']}; {dataset['rows']} responses (valid only)",
        f"- Format: {dataset['format']}; created {dataset['created_at']}",
        "",
        "## Variables",
        "",
        "| name | type | label (vi / en) | question (vi / en) | values (code = vi (en)) | note |",
        "|---|---|---|---|---|---|",
    ]
    for entry in book["variables"]:
        question = entry.get("question", {})
        cells = [f"`{entry['name']}`", entry["type"], f"{entry['label']['vi']} / {entry['label'].get('en', '')}",
                 f"{question.get('vi', '')} / {question.get('en', '')}" if question else "",
                 _values_text(entry), entry.get("note", "")]
        lines.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |")
    missing = book["missing_values"]
    lines += ["", "## Not answered and suppressed", "",
              f"- Not answered ({missing['not_answered']['vi']} / {missing['not_answered']['en']}): "
              f"{missing['not_answered']['written_as']}; {missing['not_answered']['note']}",
              f"- Suppressed, code {missing['suppressed']['code']} ({missing['suppressed']['vi']} / "
              f"{missing['suppressed']['en']}): {missing['suppressed']['written_as']}; {missing['suppressed']['note']}"]
    lines += ["", "## Weighting and design", "", f"- {book['weighting']['method']}",
              f"- {book['design']['note']}", f"- {book['design']['variance']}", "", "## Disclosure control", "",
              f"- k = {disclosure['k']}; achieved k = {disclosure['achieved_k']} (smallest equivalence class)",
              f"- Quasi-identifiers: {', '.join(disclosure['quasi_identifiers'])}",
              f"- Generalisation: {json.dumps(disclosure['generalisation'], ensure_ascii=False)}",
              f"- Units merged into a unit above: {disclosure['units_merged_upward']}",
              f"- Values suppressed (written as {SUPPRESSED}): {json.dumps(disclosure['suppressed_values'], ensure_ascii=False)}",
              f"- Risk before: {json.dumps(disclosure['risk_before'])}",
              f"- Risk after: {json.dumps(disclosure['risk_after'])}",
              f"- Free text: {disclosure['free_text']}",
              f"- Timestamps: {disclosure['timestamps']}",
              f"- Row order: {disclosure['row_order']}",
              f"- Limits: {disclosure['limits']}",
              "", "## Reproducing the index", "", "R (package survey):", "", "```r", book["reproduce"]["r"], "```",
              "", "Python (this platform's `stats` package):", "", "```python", book["reproduce"]["python"], "```", ""]
    return "\n".join(lines)


def write(book: Mapping[str, object], folder: Path, stem: str) -> list[Path]:
    json_path = folder / f"{stem}.codebook.json"
    json_path.write_text(json.dumps(book, ensure_ascii=False, indent=2), encoding="utf-8")
    md_path = folder / f"{stem}.codebook.md"
    md_path.write_text(markdown(book), encoding="utf-8")
    return [json_path, md_path]
