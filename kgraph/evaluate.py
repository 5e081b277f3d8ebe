"""Scoring extracted entities against hand-annotated gold (the guidelines' JSONL schema).

Matching rules (the same as the annotators'): a predicted name matches a gold entity when
both are equal after lower-casing and dropping every non-alphanumeric character (and one
trailing plural "s", :func:`kgraph.names.gold_key`), or when it equals one of the gold
entity's aliases that way. A second
prediction of an already matched gold entity counts neither way. Papers are matched by
normalised title; predicted papers that have no gold are not scored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgraph.errors import KgraphError
from kgraph.model import EntityType, normalise_title
from kgraph.names import gold_key

MICRO_TYPES = (EntityType.BENCHMARK, EntityType.MODEL, EntityType.METHOD)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        return self


@dataclass
class Report:
    """Scores per type (typed match), untyped, micro over benchmark+model+method, introduced."""

    typed: dict[EntityType, Counts] = field(
        default_factory=lambda: {t: Counts() for t in EntityType}
    )
    untyped: Counts = field(default_factory=Counts)
    introduced_correct: int = 0
    introduced_total: int = 0
    papers: int = 0
    missing_papers: list[str] = field(default_factory=list)

    @property
    def micro(self) -> Counts:
        total = Counts()
        for type_ in MICRO_TYPES:
            total += self.typed[type_]
        return total

    @property
    def introduced_accuracy(self) -> float:
        return self.introduced_correct / self.introduced_total if self.introduced_total else 0.0

    def rows(self) -> list[tuple[str, Counts]]:
        rows = [(t.value, self.typed[t]) for t in EntityType]
        rows.append(("micro (benchmark+model+method)", self.micro))
        rows.append(("untyped (all types)", self.untyped))
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "papers": self.papers,
            "missing_papers": self.missing_papers,
            "scores": {
                label: {
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                    "tp": c.tp,
                    "fp": c.fp,
                    "fn": c.fn,
                }
                for label, c in self.rows()
            },
            "introduced_accuracy": round(self.introduced_accuracy, 4),
            "introduced_pairs": self.introduced_total,
        }

    def table(self) -> str:
        lines = [f"{'':32} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}"]
        for label, c in self.rows():
            scores = f"{c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f}"
            lines.append(f"{label:32} {scores} {c.tp:5d} {c.fp:5d} {c.fn:5d}")
        lines.append(
            f"introduced accuracy: {self.introduced_accuracy:.3f} "
            f"({self.introduced_correct}/{self.introduced_total} matched entities)"
        )
        lines.append(f"papers scored: {self.papers}")
        if self.missing_papers:
            lines.append(f"gold papers with no prediction: {len(self.missing_papers)}")
        return "\n".join(lines)


def comparison_table(reports: Mapping[str, Report]) -> str:
    """Several reports side by side: precision, recall and F1 of the first, F1 of the others.

    Examples
    --------
    >>> print(comparison_table({"learned": Report(), "rules": Report()}).splitlines()[0])
                                     learned P      R     F1  rules F1
    """
    names = list(reports)
    first = reports[names[0]]
    head = f"{'':32} {names[0] + ' P':>9} {'R':>6} {'F1':>6}"
    head += "".join(f" {name + ' F1':>9}" for name in names[1:])
    lines = [head]
    rows = [dict(report.rows()) for report in reports.values()]
    for label, counts in first.rows():
        line = f"{label:32} {counts.precision:9.3f} {counts.recall:6.3f} {counts.f1:6.3f}"
        line += "".join(f" {other[label].f1:9.3f}" for other in rows[1:])
        lines.append(line)
    accuracy = f"{'introduced accuracy':32} {'':9} {'':6} {first.introduced_accuracy:6.3f}"
    accuracy += "".join(f" {r.introduced_accuracy:9.3f}" for r in list(reports.values())[1:])
    lines.append(accuracy)
    lines.append(f"papers scored: {first.papers}")
    return "\n".join(lines)


def _keys(entity: Mapping[str, Any]) -> set[str]:
    return {gold_key(entity["name"])} | {gold_key(a) for a in entity.get("aliases", ())}


def _match(
    gold: Sequence[Mapping[str, Any]], predicted: Sequence[Mapping[str, Any]], typed: bool
) -> tuple[list[tuple[int, int]], list[int]]:
    """Pairs (gold index, predicted index) and the unmatched, countable predictions."""
    gold_keys = [_keys(g) for g in gold]
    matched_gold: set[int] = set()
    pairs = []
    unmatched = []
    for p_index, pred in enumerate(predicted):
        key = gold_key(pred["name"])
        hits = [
            g
            for g, keys in enumerate(gold_keys)
            if key in keys and (not typed or gold[g]["type"] == pred["type"])
        ]
        free = [g for g in hits if g not in matched_gold]
        if free:
            matched_gold.add(free[0])
            pairs.append((free[0], p_index))
        elif not hits:
            unmatched.append(p_index)
    return pairs, unmatched


def score(gold: Iterable[Mapping[str, Any]], predicted: Iterable[Mapping[str, Any]]) -> Report:
    """Score predicted papers (dicts with ``title`` and ``entities``) against gold ones."""
    by_title = {normalise_title(p["title"]): p for p in predicted}
    report = Report()
    for gold_paper in gold:
        pred_paper = by_title.get(normalise_title(gold_paper["title"]))
        gold_entities = gold_paper.get("entities", [])
        if pred_paper is None:
            report.missing_papers.append(gold_paper["title"])
        pred_entities = pred_paper.get("entities", []) if pred_paper else []
        report.papers += 1
        pairs, unmatched = _match(gold_entities, pred_entities, typed=True)
        matched_gold = {g for g, _ in pairs}
        for g, _ in pairs:
            report.typed[EntityType(gold_entities[g]["type"])].tp += 1
        for p in unmatched:
            report.typed[EntityType(pred_entities[p]["type"])].fp += 1
        # A typed prediction that only matches a gold entity of another type is a false
        # positive of its type, and the gold entity a false negative of its own.
        for g, entity in enumerate(gold_entities):
            if g not in matched_gold:
                report.typed[EntityType(entity["type"])].fn += 1
        pairs, unmatched = _match(gold_entities, pred_entities, typed=False)
        report.untyped.tp += len(pairs)
        report.untyped.fp += len(unmatched)
        report.untyped.fn += len(gold_entities) - len(pairs)
        for g, p in pairs:
            report.introduced_total += 1
            report.introduced_correct += bool(gold_entities[g]["introduced"]) == bool(
                pred_entities[p].get("introduced", False)
            )
    return report


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Papers from a JSON Lines file; a clear error for a missing or malformed file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KgraphError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise KgraphError(f"{path}: not UTF-8 text") from exc
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KgraphError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        except (ValueError, RecursionError) as exc:  # too deep, or a number too long
            raise KgraphError(f"{path}:{number}: not readable JSON") from exc
        problem = _record_problem(record)
        if problem:
            raise KgraphError(f"{path}:{number}: {problem}")
        records.append(record)
    if not records:
        raise KgraphError(f"{path}: no papers in it")
    return records


_TYPES = {t.value for t in EntityType}


def _record_problem(record: Any) -> str | None:
    """What is wrong with a paper record (see GUIDELINES.md), or None.

    Examples
    --------
    >>> _record_problem({"title": "T", "entities": [{"name": "SCAN", "type": "dataset"}]})
    "entity 1: 'type' is 'dataset', not one of benchmark, method, metric, model, task"
    """
    if not isinstance(record, dict) or not isinstance(record.get("title"), str):
        return "expected an object with a 'title'"
    entities = record.get("entities", [])
    if not isinstance(entities, list):
        return "'entities' is not a list"
    for n, entity in enumerate(entities, start=1):
        if not isinstance(entity, dict) or not isinstance(entity.get("name"), str):
            return f"entity {n}: expected an object with a 'name'"
        if entity.get("type") not in _TYPES:
            kinds = ", ".join(sorted(_TYPES))
            return f"entity {n}: 'type' is {entity.get('type')!r}, not one of {kinds}"
    return None
