"""The learned decision: linear models over evidence, with their weights as package data.

Two multinomial / binary logistic regressions, trained by :mod:`kgraph.train` on annotated
abstracts and stored as JSON (``kgraph/data/model/entities.json``; no pickle):

- ``type``: for a group of candidates, the probability of each of ``none`` (not an entity),
  ``benchmark``, ``model``, ``method``, ``task`` and ``metric``;
- ``introduced``: for a kept group, the probability that the paper introduces it.

A feature the weights do not know has weight 0. Scoring a doc is one gather and one
``numpy.add.reduceat`` over all its groups.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kgraph.errors import KgraphError
from kgraph.model import EntityType, Evidence

NONE = "none"
CLASSES = (NONE, *(t.value for t in EntityType))
FORMAT = 1
DEFAULT_MODEL = "data/model/entities.json"
Matrix = npt.NDArray[np.float64]


def feature_keys(evidence: Sequence[Evidence], kind: str) -> list[str]:
    """The model's features for a group's evidence: each feature, and the same feature for
    the group's kind ("N" a name, "P" a lower-case noun phrase), so that what is learned for
    names and for phrases can differ where the data says so (Daume's feature augmentation).

    Examples
    --------
    >>> feature_keys([Evidence("lex", "benchmark", "")], "N")
    ['lex=benchmark', 'N:lex=benchmark', 'N:']
    """
    keys = [item.key for item in evidence]
    return [k for key in keys for k in (key, f"{kind}:{key}")] + [f"{kind}:"]


# Evidence -> rows cached per model; cleared past this size (rules name lexicon entries).
_ROW_CACHE_LIMIT = 1 << 17


@dataclass(frozen=True)
class Linear:
    """One linear model: a row of weights per feature, and a bias row."""

    index: dict[str, int]
    weights: Matrix  # (features + 1, outputs); the last row is zeros, for unknown features
    bias: Matrix  # (outputs,)
    _rows: dict[Evidence, tuple[int, int, int]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # id of a shared part -> (the part, its rows for a name, its rows for a phrase)
    _shared: dict[int, tuple[Sequence[Evidence], list[int], list[int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def rows(
        self,
        parts: Sequence[Sequence[Evidence]],
        kind: str,
        extra: Sequence[str] = (),
        shared: int = 0,
    ) -> list[int]:
        """The weight rows of :func:`feature_keys` of the evidence in ``parts`` (and of the
        ``extra`` keys), without building the keys: each evidence's rows are looked up once
        per model. The first ``shared`` parts are tuples that recur as the same objects
        (cached per name or per combination), whose rows are kept whole."""
        cache = self._rows
        if len(cache) > _ROW_CACHE_LIMIT:
            cache.clear()
            self._shared.clear()
        which = 1 if kind == "N" else 2
        out: list[int] = []
        for number, part in enumerate(parts):
            if number < shared:
                found = self._shared.get(id(part))
                if found is None or found[0] is not part:
                    found = self._shared[id(part)] = (part, *self._part_rows(part))
                out.extend(found[1] if which == 1 else found[2])
            else:
                for item in part:
                    looked = cache.get(item) or self._lookup(item)
                    out.append(looked[0])
                    out.append(looked[which])
        unknown = len(self.index)
        out.append(self.index.get(f"{kind}:", unknown))
        out.extend(self.index.get(key, unknown) for key in extra)
        return out

    def _lookup(self, item: Evidence) -> tuple[int, int, int]:
        key = item.key
        index, unknown = self.index, len(self.index)
        found = self._rows[item] = (
            index.get(key, unknown),
            index.get(f"N:{key}", unknown),
            index.get(f"P:{key}", unknown),
        )
        return found

    def _part_rows(self, part: Sequence[Evidence]) -> tuple[list[int], list[int]]:
        named: list[int] = []
        phrase: list[int] = []
        for item in part:
            looked = self._rows.get(item) or self._lookup(item)
            named += (looked[0], looked[1])
            phrase += (looked[0], looked[2])
        return named, phrase

    def score_rows(self, rows: Sequence[Sequence[int]]) -> Matrix:
        """The linear score of each group's rows: (len(rows), outputs)."""
        if not rows:
            return np.zeros((0, len(self.bias)))
        flat = [row for group in rows for row in group]
        offsets = np.cumsum([0, *(len(group) for group in rows[:-1])])
        result: Matrix = np.add.reduceat(self.weights[flat], offsets, axis=0) + self.bias
        return result

    @classmethod
    def from_json(cls, data: dict[str, Any], outputs: int) -> Linear:
        names = sorted(data["weights"])
        rows = [data["weights"][n] for n in names]
        weights = np.zeros((len(names) + 1, outputs))
        if rows:
            weights[:-1] = np.asarray(rows, dtype=np.float64).reshape(len(names), outputs)
        bias = np.asarray(data["bias"], dtype=np.float64).reshape(outputs)
        return cls({n: i for i, n in enumerate(names)}, weights, bias)

    def scores(self, features: Sequence[Sequence[str]]) -> Matrix:
        """The linear score of each list of feature keys (training and explanations)."""
        unknown = len(self.index)
        return self.score_rows([[self.index.get(f, unknown) for f in group] for group in features])

    def contributions(self, features: Sequence[str], output: int) -> list[tuple[str, float]]:
        """Each known feature's weight towards ``output``, largest first (for explanations)."""
        found = [
            (f, float(self.weights[self.index[f], output])) for f in features if f in self.index
        ]
        return sorted(found, key=lambda fw: -abs(fw[1]))


@dataclass(frozen=True)
class EntityModel:
    """The linear models and the decision thresholds, as trained.

    ``prefilter`` scores a group on its cheap evidence alone (name, generators, count); a
    group below ``prefilter_threshold`` is not looked at further (most noun phrases). The
    ``type`` model then decides on all the evidence, ``introduced`` on the kept groups.
    """

    type: Linear
    introduced: Linear
    prefilter: Linear
    prefilter_threshold: float  # a logit: groups scoring below it are ruled out
    threshold: float  # a group is kept when P(not none) is at least this
    overlap: str  # "confidence" or "longest": which of two overlapping kept spans wins
    meta: dict[str, Any]

    def passes_prefilter(self, rows: Sequence[Sequence[int]]) -> list[bool]:
        scores = self.prefilter.score_rows(rows)[:, 0]
        return [bool(s >= self.prefilter_threshold) for s in scores]

    def type_probabilities(self, rows: Sequence[Sequence[int]]) -> Matrix:
        scores = self.type.score_rows(rows)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        result: Matrix = exp / exp.sum(axis=1, keepdims=True)
        return result

    def introduced_probabilities(self, rows: Sequence[Sequence[int]]) -> Matrix:
        result: Matrix = 1.0 / (1.0 + np.exp(-self.introduced.score_rows(rows)[:, 0]))
        return result

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EntityModel:
        if data.get("format") != FORMAT or tuple(data.get("classes", ())) != CLASSES:
            raise KgraphError("the entity model is of another format; retrain it (kgraph train)")
        return cls(
            type=Linear.from_json(data["type"], len(CLASSES)),
            introduced=Linear.from_json(data["introduced"], 1),
            prefilter=Linear.from_json(data["prefilter"], 1),
            prefilter_threshold=float(data["prefilter_threshold"]),
            threshold=float(data["threshold"]),
            overlap=str(data.get("overlap", "confidence")),
            meta=dict(data.get("meta", {})),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "classes": list(CLASSES),
            "threshold": self.threshold,
            "overlap": self.overlap,
            "meta": self.meta,
            "type": _linear_json(self.type),
            "introduced": _linear_json(self.introduced),
            "prefilter": _linear_json(self.prefilter),
            "prefilter_threshold": round(self.prefilter_threshold, 6),
        }


def _linear_json(model: Linear) -> dict[str, Any]:
    weights = {
        name: [round(float(w), 6) for w in model.weights[row]]
        for name, row in sorted(model.index.items())
        if np.any(model.weights[row] != 0)
    }
    return {"bias": [round(float(b), 6) for b in model.bias], "weights": weights}


def load_model(path: str | Path | None = None) -> EntityModel:
    """The model in ``path`` (a JSON file), or the one shipped with kgraph."""
    try:
        if path is None or str(path) == "":
            text = resources.files("kgraph").joinpath(DEFAULT_MODEL).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return EntityModel.from_json(json.loads(text))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KgraphError(f"{path or DEFAULT_MODEL}: not a kgraph entity model ({exc})") from exc


@cache
def default_model(path: str = "") -> EntityModel:
    """:func:`load_model`, once per process and path."""
    return load_model(path or None)


def write_model(model: EntityModel, path: Path) -> None:
    """The model as JSON, sorted and rounded: the same training gives the same bytes."""
    text = json.dumps(model.to_json(), indent=1, sort_keys=True, ensure_ascii=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
