"""Precision and recall of the keyword lexicon per element on the labelled sample of comments."""

from __future__ import annotations

from pathlib import Path

from survey.feedback.lexicon import ELEMENTS, classify, compile_lexicon

SAMPLE = Path(__file__).with_name("labelled_comments.tsv")


def labelled() -> list[tuple[set[str], str]]:
    rows = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        labels, text = line.split("\t")
        rows.append((set() if labels == "-" else set(labels.split(",")), text))
    return rows


def scores(lexicon) -> dict[str, dict[str, float]]:
    compiled = compile_lexicon(lexicon)
    counts = {e: {"tp": 0, "fp": 0, "fn": 0} for e in ELEMENTS}
    for truth, text in labelled():
        found = set(classify(text, compiled))
        for e in ELEMENTS:
            counts[e]["tp"] += e in found and e in truth
            counts[e]["fp"] += e in found and e not in truth
            counts[e]["fn"] += e in truth and e not in found
    out = {}
    for e, c in counts.items():
        out[e] = {"precision": c["tp"] / max(1, c["tp"] + c["fp"]), "recall": c["tp"] / max(1, c["tp"] + c["fn"]),
                  "support": c["tp"] + c["fn"]}
    return out


if __name__ == "__main__":
    from survey.feedback.lexicon import DEFAULT

    for e, s in scores(DEFAULT).items():
        print(f"{e:14} precision {s['precision']:.2f} recall {s['recall']:.2f} (n={s['support']})")
