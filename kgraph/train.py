"""Training the entity model from annotated abstracts (``kgraph train``).

The gold files (``kgraph/data/gold/``, the guidelines' JSONL schema) name each paper's
entities; the paper texts come from the inputs (the seeds). For every gold paper the
pipeline proposes candidates and gathers their evidence exactly as extraction does
(:func:`kgraph.extract.decide.analyse`); a group of candidates is labelled with the type of
the gold entity its name matches (the scorer's rule, :func:`kgraph.names.gold_key`), or
``none``.

Logistic regressions (scikit-learn: ``pip install 'kgraph[train]'``) learn the weights: a
binary prefilter on the cheap evidence (which groups to look at), a multinomial model for
``none``/type on all the evidence, and a binary model for "introduced" on the groups that
match a gold entity. Regularisation, the keep threshold and how overlapping spans are
settled are chosen by 5-fold cross-validation over papers, scored by :mod:`kgraph.evaluate`
on the mentions that :func:`~kgraph.extract.decide.decide` makes: the choice optimises what
is reported. Training is deterministic (lbfgs, fixed orders): the same gold, the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from kgraph.errors import KgraphError
from kgraph.evaluate import Counts, Report, comparison_table, read_jsonl, score
from kgraph.extract.classifier import (
    CLASSES,
    NONE,
    EntityModel,
    Linear,
    feature_keys,
    write_model,
)
from kgraph.extract.decide import Analysis, decide
from kgraph.extract.entities import EntityDecider
from kgraph.model import EntityType, Mention, Paper, normalise_title
from kgraph.names import gold_key

GOLD_SETS = {"train": ("train_a.jsonl", "train_b.jsonl"), "dev": ("dev.jsonl",)}
DEFAULT_OUT = Path(__file__).parent / "data" / "model" / "entities.json"
FOLDS = 5
C_GRID = (0.03, 0.1, 0.3, 1.0)
THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
OVERLAPS = ("confidence", "longest")
# The prefilter keeps this share of the training groups that are entities.
PREFILTER_RECALL = 0.95
PREFILTER_C = 0.1
# "Introduced" has few, strong cues (an intro verb, the title, an abbreviation defined, how
# often a name is used); its model sees only those: with every feature it learned the names'
# shapes instead, and was right less often in cross-validation (0.906 against 0.940).
INTRODUCED_C = 1.0
INTRODUCED_FEATURES = ("intro=", "src=", "in=", "abbr=", "count=")
# A feature seen in fewer training groups than this is left out: it would only memorise.
MIN_FEATURE_COUNT = 2
MAX_ITER = 5000


def gold_paths(name: str) -> list[Path]:
    """The gold files of a named set ("train", "dev") shipped in ``kgraph/data/gold``.

    Examples
    --------
    >>> [p.name for p in gold_paths("train")]
    ['train_a.jsonl', 'train_b.jsonl']
    """
    folder = resources.files("kgraph").joinpath("data/gold")
    return [Path(str(folder.joinpath(file))) for file in GOLD_SETS[name]]


@dataclass
class GoldDoc:
    """One gold paper, analysed: its candidate groups with their evidence, and their labels."""

    title: str
    text: str
    gold: dict[str, Any]
    analysis: Analysis
    labels: list[str]  # a class of CLASSES per group
    introduced: list[bool | None]  # per group: the gold flag, or None when no gold entity

    def features(self, index: int) -> list[str]:
        return feature_keys(self.analysis.evidence(index), self.analysis.kinds[index])

    def cheap_features(self, index: int) -> list[str]:
        return feature_keys(self.analysis.cheap(index), self.analysis.kinds[index])


def analyse_gold(gold: Iterable[dict[str, Any]], papers: Iterable[Paper]) -> list[GoldDoc]:
    """Every gold paper, found among ``papers`` by title and analysed by the pipeline."""
    from kgraph.extract import default_nlp

    by_key = {p.key: p for p in papers}
    wanted = []
    for record in gold:
        paper = by_key.get(normalise_title(record["title"]))
        if paper is None:
            raise KgraphError(f"gold paper not in the inputs: {record['title']}")
        wanted.append((paper, record))
    nlp = default_nlp()
    decider = nlp.get_pipe("kgraph_entities")
    assert isinstance(decider, EntityDecider)
    texts = [paper.text for paper, _ in wanted]
    docs = []
    for doc, (paper, record) in zip(
        nlp.pipe(texts, disable=["kgraph_entities"]), wanted, strict=True
    ):
        analysis = decider.analyse(doc)
        labels, introduced = _labels(record, analysis.names)
        docs.append(GoldDoc(record["title"], paper.text, record, analysis, labels, introduced))
    return docs


def _labels(record: dict[str, Any], names: Sequence[str]) -> tuple[list[str], list[bool | None]]:
    by_key: dict[str, dict[str, Any]] = {}
    for entity in record.get("entities", []):
        for form in (entity["name"], *entity.get("aliases", ())):
            by_key.setdefault(gold_key(form), entity)
    labels: list[str] = []
    introduced: list[bool | None] = []
    for name in names:
        entity = by_key.get(gold_key(name))
        labels.append(entity["type"] if entity else NONE)
        introduced.append(bool(entity["introduced"]) if entity else None)
    return labels, introduced


@dataclass(frozen=True)
class Choice:
    """What cross-validation chooses."""

    c: float
    threshold: float
    overlap: str


def fit(docs: Sequence[GoldDoc], c: float) -> EntityModel:
    """The prefilter, type and introduced models trained on ``docs`` (regularisation ``c``)."""
    groups = [(d, i) for d in docs for i in range(len(d.labels))]
    positive = [d.labels[i] != NONE for d, i in groups]
    cheap = [d.cheap_features(i) for d, i in groups]
    prefilter = _logistic(cheap, [int(p) for p in positive], PREFILTER_C)
    scores = prefilter.scores(cheap)[:, 0]
    # The score below which lie the few entities (1 - PREFILTER_RECALL) it may lose.
    threshold = float(np.quantile(scores[np.asarray(positive)], 1 - PREFILTER_RECALL))
    passed = [(d, i) for (d, i), s in zip(groups, scores, strict=True) if s >= threshold]
    typer = _logistic(
        [d.features(i) for d, i in passed], [CLASSES.index(d.labels[i]) for d, i in passed], c
    )
    matched = [(d, i) for d, i in groups if d.introduced[i] is not None]
    introduced = _logistic(
        [
            [
                *(f for f in d.features(i) if f.startswith(INTRODUCED_FEATURES)),
                f"type={d.labels[i]}",
            ]
            for d, i in matched
        ],
        [int(bool(d.introduced[i])) for d, i in matched],
        INTRODUCED_C,
    )
    return EntityModel(typer, introduced, prefilter, threshold, 0.5, OVERLAPS[0], {})


def _logistic(features: Sequence[Sequence[str]], labels: Sequence[int], c: float) -> Linear:
    """A logistic regression (multinomial when there are more than two labels) as a Linear."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    vocabulary = _vocabulary(features)
    indptr, indices = [0], []
    for found in features:
        columns = sorted({vocabulary[f] for f in found if f in vocabulary})
        indices.extend(columns)
        indptr.append(len(indices))
    matrix = csr_matrix(
        (np.ones(len(indices)), indices, indptr), shape=(len(features), len(vocabulary))
    )
    model = LogisticRegression(C=c, max_iter=MAX_ITER)
    model.fit(matrix, labels)
    outputs = len(CLASSES) if len(model.classes_) > 2 else 1
    weights = np.zeros((len(vocabulary) + 1, outputs))
    bias = np.zeros(outputs)
    if outputs == 1:
        weights[:-1, 0] = model.coef_[0]
        bias[0] = model.intercept_[0]
    else:
        for row, label in enumerate(model.classes_):
            weights[:-1, label] = model.coef_[row]
            bias[label] = model.intercept_[row]
    return Linear(vocabulary, weights, bias)


def _vocabulary(feature_lists: Iterable[Sequence[str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for features in feature_lists:
        for feature in set(features):
            counts[feature] = counts.get(feature, 0) + 1
    kept = sorted(f for f, n in counts.items() if n >= MIN_FEATURE_COUNT)
    return {f: i for i, f in enumerate(kept)}


def predict(docs: Sequence[GoldDoc], model: EntityModel) -> list[dict[str, Any]]:
    """The papers as ``model`` extracts them, in the scorer's schema."""
    out = []
    for d in docs:
        found = d.analysis
        passed = model.passes_prefilter(
            [
                model.prefilter.rows((found.named[i], found.extra[i]), found.kinds[i], shared=1)
                for i in range(len(found.groups))
            ]
        )
        analysis = found.subset([i for i, ok in enumerate(passed) if ok])
        mentions = decide(d.text, analysis, model)
        out.append({"title": d.title, "entities": [_entity(m) for m in mentions]})
    return out


def _entity(mention: Mention) -> dict[str, Any]:
    return {
        "name": mention.name,
        "type": mention.type.value,
        "introduced": mention.introduced,
        "aliases": list(mention.aliases),
    }


def folds(docs: Sequence[GoldDoc], k: int = FOLDS) -> list[tuple[list[GoldDoc], list[GoldDoc]]]:
    """``k`` (train, held-out) splits of ``docs`` by paper, the same for the same titles."""
    order = sorted(range(len(docs)), key=lambda i: normalise_title(docs[i].title))
    parts = [[docs[i] for i in order[j::k]] for j in range(k)]
    return [([d for p in parts[:j] + parts[j + 1 :] for d in p], parts[j]) for j in range(k)]


def cross_validate(docs: Sequence[GoldDoc], choice: Choice, k: int = FOLDS) -> Report:
    """One report over the held-out predictions of ``k`` folds."""
    gold: list[dict[str, Any]] = []
    predicted: list[dict[str, Any]] = []
    for train, held_out in folds(docs, k):
        model = _chosen(fit(train, choice.c), choice)
        gold.extend(d.gold for d in held_out)
        predicted.extend(predict(held_out, model))
    return score(gold, predicted)


def _chosen(model: EntityModel, choice: Choice) -> EntityModel:
    return replace(model, threshold=choice.threshold, overlap=choice.overlap)


def choose(docs: Sequence[GoldDoc], log: TextIO | None = None) -> tuple[Choice, Report]:
    """The choice with the best cross-validated F1 over benchmark, model, method and task.

    Tasks count in the choice: they are scored and shown, and a model tuned for the micro
    types alone lets them go.
    """
    best: tuple[float, Choice, Report] | None = None
    for c in C_GRID:
        fitted = [(fit(train, c), held_out) for train, held_out in folds(docs)]
        for threshold in THRESHOLDS:
            for overlap in OVERLAPS:
                choice = Choice(c, threshold, overlap)
                gold: list[dict[str, Any]] = []
                predicted: list[dict[str, Any]] = []
                for model, held_out in fitted:
                    gold.extend(d.gold for d in held_out)
                    predicted.extend(predict(held_out, _chosen(model, choice)))
                report = score(gold, predicted)
                objective = _objective(report)
                if log is not None:
                    print(
                        f"C={c} threshold={threshold} overlap={overlap}: {objective:.4f}", file=log
                    )
                if best is None or objective > best[0] + 1e-9:
                    best = (objective, choice, report)
    assert best is not None
    return best[1], best[2]


def _objective(report: Report) -> float:
    total = Counts()
    total += report.micro
    total += report.typed[EntityType.TASK]
    return total.f1


def train(
    gold_files: Sequence[Path],
    inputs: Sequence[Path],
    out: Path,
    log: TextIO | None = None,
    fmt: str | None = None,
) -> tuple[EntityModel, Report]:
    """Choose by cross-validation, fit on all of ``gold_files``, write the model to ``out``."""
    from kgraph.sources import read_papers

    _need_scikit_learn()
    gold = [record for path in gold_files for record in read_jsonl(path)]
    docs = analyse_gold(gold, read_papers(list(inputs), fmt))
    choice, report = choose(docs, log)
    meta = {
        "kind": "learned",
        "trained_on": [p.name for p in gold_files],
        "papers": len(docs),
        "C": choice.c,
        "cv_micro_f1": round(report.micro.f1, 4),
    }
    model = replace(_chosen(fit(docs, choice.c), choice), meta=meta)
    write_model(model, out)
    return model, report


def comparison(docs: Sequence[GoldDoc], models: dict[str, EntityModel]) -> dict[str, Report]:
    """Each model's report on ``docs``."""
    gold = [d.gold for d in docs]
    return {name: score(gold, predict(docs, model)) for name, model in models.items()}


def cross_validated(docs: Sequence[GoldDoc], like: EntityModel) -> Report:
    """5-fold cross-validation over ``docs`` with the settings ``like`` was trained with."""
    choice = Choice(float(like.meta.get("C", C_GRID[1])), like.threshold, like.overlap)
    return cross_validate(docs, choice)


def explain_errors(docs: Sequence[GoldDoc], model: EntityModel, top: int = 6) -> Iterator[str]:
    """For each paper, what ``model`` got wrong and the evidence that weighed most in it:
    misses (with the best score any group of that name had), false entities, wrong types."""
    predicted = predict(docs, model)
    for d, paper in zip(docs, predicted, strict=True):
        gold_by_key: dict[str, dict[str, Any]] = {}
        for entity in d.gold.get("entities", []):
            for form in (entity["name"], *entity.get("aliases", ())):
                gold_by_key.setdefault(gold_key(form), entity)
        found = {gold_key(e["name"]): e for e in paper["entities"]}
        lines = []
        for entity in d.gold.get("entities", []):
            keys = {gold_key(f) for f in (entity["name"], *entity.get("aliases", ()))}
            hit = next((found[k] for k in keys if k in found), None)
            if hit is None:
                lines.append(_why(d, model, keys, "missed", entity["type"], entity["name"], top))
            elif hit["type"] != entity["type"]:
                what = f"typed {hit['type']}, gold {entity['type']}"
                lines.append(_why(d, model, keys, what, hit["type"], entity["name"], top))
        for entity in paper["entities"]:
            if gold_key(entity["name"]) not in gold_by_key:
                keys = {gold_key(entity["name"])}
                lines.append(
                    _why(d, model, keys, "not in gold", entity["type"], entity["name"], top)
                )
        if lines:
            yield d.title
            yield from lines


def _why(
    d: GoldDoc, model: EntityModel, keys: set[str], what: str, type_: str, name: str, top: int
) -> str:
    index = next((i for i, n in enumerate(d.analysis.names) if gold_key(n) in keys), None)
    if index is None:
        return f"  {what}: {name!r} ({type_}): no candidate"
    features = d.features(index)
    probabilities = model.type_probabilities(
        [model.type.rows(d.analysis.parts(index), d.analysis.kinds[index], shared=2)]
    )[0]
    output = CLASSES.index(type_)
    weights = ", ".join(
        f"{f} {w:+.2f}" for f, w in model.type.contributions(features, output)[:top]
    )
    chance = f"P({type_})={probabilities[output]:.2f}, P(none)={probabilities[0]:.2f}"
    return f"  {what}: {name!r} {chance}: {weights}"


RULES_MODEL = "data/model/rules.json"


def run_evaluation(
    gold_files: Sequence[Path],
    inputs: Sequence[Path],
    model_path: Path | None = None,
    cv: bool = False,
    explain: bool = False,
    as_json: bool = False,
    fmt: str | None = None,
) -> str:
    """What ``kgraph eval`` prints: the model (the shipped one unless ``model_path``) and the
    rules-only baseline on the gold, optionally 5-fold cross-validation over the shipped
    training gold plus this gold, and the model's errors explained."""
    from kgraph.extract.classifier import load_model
    from kgraph.sources import read_papers

    model = load_model(model_path)
    rules = load_model(Path(str(resources.files("kgraph").joinpath(RULES_MODEL))))
    gold = [record for path in gold_files for record in read_jsonl(path)]
    wanted = {normalise_title(g["title"]) for g in gold}
    papers = [p for p in read_papers(list(inputs), fmt) if p.key in wanted]
    found = {p.key for p in papers}
    scored = [g for g in gold if normalise_title(g["title"]) in found]
    docs = analyse_gold(scored, papers)
    reports = comparison(docs, {"learned": model, "rules": rules})
    missing = len(gold) - len(scored)
    sections: dict[str, dict[str, Report]] = {"gold": reports}
    if cv:
        _need_scikit_learn()
        extra = [r for p in gold_paths("train") for r in read_jsonl(p)]
        seen = {normalise_title(g["title"]) for g in scored}
        extra = [g for g in extra if normalise_title(g["title"]) not in seen]
        pool = docs + analyse_gold(extra, read_papers(list(inputs), fmt))
        sections["cv"] = {
            "learned": cross_validated(pool, model),
            "rules": comparison(pool, {"rules": rules})["rules"],
        }
    if as_json:
        import json

        data: dict[str, Any] = {
            section: {name: report.as_dict() for name, report in found_reports.items()}
            for section, found_reports in sections.items()
        }
        data["gold_papers_not_in_inputs"] = missing
        return json.dumps(data, indent=2)
    names = ", ".join(p.name for p in gold_files)
    trained_on = ", ".join(model.meta.get("trained_on", ["?"]))
    out = [
        f"{names}: {len(docs)} papers; learned = {model_path or 'the shipped model'} "
        f"({model.meta.get('kind', '?')}, trained on {trained_on}); "
        "rules = hand-set weights on the same evidence",
        comparison_table(reports),
    ]
    if missing:
        out.append(f"gold papers not found in the inputs: {missing}")
    if cv:
        size = sections["cv"]["learned"].papers
        out += [
            "",
            f"5-fold cross-validation over the training gold and {names} ({size} papers):",
            comparison_table(sections["cv"]),
        ]
    if explain:
        out += ["", "errors of the learned model, with the evidence that weighed most:"]
        out.extend(explain_errors(docs, model))
    return "\n".join(out)


def _need_scikit_learn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise KgraphError("training needs scikit-learn: pip install 'kgraph[train]'") from None
