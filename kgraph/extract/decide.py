"""The decision: groups of candidates and their evidence -> the mentions of a paper.

:func:`analyse` computes every group's name and evidence (:mod:`kgraph.extract.evidence`);
:func:`decide` asks the model (:mod:`kgraph.extract.classifier`) what each group is, keeps
the entities, settles overlapping spans and names the mentions. Both are pure functions of
plain data, so a decision can be replayed and explained without spaCy.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kgraph.extract.candidates import SHORT_FORM, Candidate, Group, display_name
from kgraph.extract.classifier import CLASSES, EntityModel, Matrix
from kgraph.extract.evidence import (
    Context,
    cheap_evidence,
    combinations,
    context_evidence,
    group_name,
    name_evidence,
    name_kind,
)
from kgraph.lexicon import Lexicon
from kgraph.model import EntityType, Evidence, Mention
from kgraph.names import singular_key
from kgraph.text import Words, sentence_at, sentences

_TYPES = [EntityType(c) for c in CLASSES[1:]]


@dataclass(frozen=True)
class Analysis:
    """A paper's candidate groups, with their names, kinds and evidence.

    Each group's evidence comes in four parts: its name's (:func:`name_evidence`, shared by
    every group of that name), the rest of the cheap evidence the prefilter sees, the
    context's, and combinations of them (shared too). :meth:`cheap` and :meth:`evidence`
    give them as one tuple.
    """

    groups: list[Group]
    names: list[str]
    kinds: list[str]  # "N" a name, "P" a noun phrase (see evidence.name_kind)
    named: list[tuple[Evidence, ...]]
    extra: list[tuple[Evidence, ...]]
    context: list[tuple[Evidence, ...]]
    combined: list[tuple[Evidence, ...]]

    def cheap(self, index: int) -> tuple[Evidence, ...]:
        return self.named[index] + self.extra[index]

    def evidence(self, index: int) -> tuple[Evidence, ...]:
        return self.named[index] + self.extra[index] + self.context[index] + self.combined[index]

    def parts(self, index: int) -> tuple[tuple[Evidence, ...], ...]:
        """The shared parts first (see :meth:`EntityModel.rows`)."""
        i = index
        return (self.named[i], self.combined[i], self.extra[i], self.context[i])

    def subset(self, keep: Sequence[int]) -> Analysis:
        """The groups at the indices ``keep``."""
        return Analysis(
            [self.groups[i] for i in keep],
            [self.names[i] for i in keep],
            [self.kinds[i] for i in keep],
            [self.named[i] for i in keep],
            [self.extra[i] for i in keep],
            [self.context[i] for i in keep],
            [self.combined[i] for i in keep],
        )


def analyse(
    text: str,
    scanned: Words,
    candidates: Sequence[Candidate],
    groups: Sequence[Group],
    lexicon: Lexicon,
    model: EntityModel | None = None,
) -> Analysis:
    """The name, kind and evidence of each group that ``model``'s prefilter lets through
    (every group when there is no model: training looks at all of them)."""
    names = [group_name(text, g) for g in groups]
    kinds = [name_kind(g) for g in groups]
    named = [name_evidence(n, lexicon) for n in names]
    extra = [cheap_evidence(g, lexicon) for g in groups]
    keep = list(range(len(groups)))
    if model is not None:
        rows = [model.prefilter.rows((named[i], extra[i]), kinds[i], shared=1) for i in keep]
        passed = model.passes_prefilter(rows)
        keep = [i for i in keep if passed[i]]
    context = Context(text, scanned, candidates)
    ends = sorted({c.end for c in candidates})
    previous_end: dict[int, int] = {}
    for cand in candidates:
        index = bisect.bisect_right(ends, cand.start)
        previous_end[cand.start] = ends[index - 1] if index else 0
    found = [context_evidence(context, groups[i], names[i], previous_end) for i in keep]
    return Analysis(
        [groups[i] for i in keep],
        [names[i] for i in keep],
        [kinds[i] for i in keep],
        [named[i] for i in keep],
        [extra[i] for i in keep],
        found,
        [combinations(named[i], extra[i], c) for i, c in zip(keep, found, strict=True)],
    )


def decide(
    text: str, analysis: Analysis, model: EntityModel, explain: bool = False
) -> list[Mention]:
    """The mentions of a paper: the groups the model keeps, typed, named and flagged.

    A group is kept when the model's probability that it is an entity (of any type) reaches
    its threshold; its type is the most probable one. Where kept spans overlap, the one the
    model is surer of keeps the text (or the longer, as the model was tuned); a group left
    with no span is dropped. ``explain`` keeps each mention's evidence and score.
    """
    groups, names, kinds = analysis.groups, analysis.names, analysis.kinds
    if not groups:
        return []
    parts = [analysis.parts(i) for i in range(len(groups))]
    rows = [model.type.rows(p, k, shared=2) for p, k in zip(parts, kinds, strict=True)]
    probabilities = model.type_probabilities(rows)
    entity = 1.0 - probabilities[:, 0]
    kept = [i for i in range(len(groups)) if entity[i] >= model.threshold]
    types = {i: _TYPES[int(np.argmax(probabilities[i, 1:]))] for i in kept}
    survivors = _settle_overlaps(groups, kept, entity, names, model.overlap)
    intro_rows = [
        model.introduced.rows(parts[i], kinds[i], (f"type={types[i].value}",), shared=2)
        for i in survivors
    ]
    introduced = model.introduced_probabilities(intro_rows)
    bounds = sentences(text)
    mentions = []
    for index, (i, occurrences) in enumerate(survivors.items()):
        first = occurrences[0]
        name = names[i]
        start, end = _name_span(text, first.start, first.end, name)
        mentions.append(
            Mention(
                name=name,
                type=types[i],
                introduced=bool(introduced[index] >= 0.5),
                aliases=_aliases(text, name, groups[i]),
                sentence=sentence_at(text, bounds, first.start),
                start=start,
                end=end,
                score=float(probabilities[i, 1 + _TYPES.index(types[i])]) if explain else 0.0,
                evidence=analysis.evidence(i) if explain else (),
            )
        )
    mentions.sort(key=lambda m: m.start)
    return mentions


def _settle_overlaps(
    groups: Sequence[Group],
    kept: list[int],
    entity: Matrix,
    names: Sequence[str],
    overlap: str,
) -> dict[int, list[Candidate]]:
    """Kept group -> the occurrences it keeps, once overlapping spans are settled."""
    if overlap == "longest":
        order = sorted(kept, key=lambda i: (-len(names[i]), -entity[i], i))
    else:
        order = sorted(kept, key=lambda i: (-entity[i], -len(names[i]), i))
    claimed: list[tuple[int, int]] = []
    out: dict[int, list[Candidate]] = {}
    for i in order:
        mine = []
        for cand in groups[i].occurrences:
            if any(cand.start < e and s < cand.end for s, e in claimed):
                continue
            mine.append(cand)
        if mine:
            claimed.extend((c.start, c.end) for c in mine)
            out[i] = mine
    return out


def _name_span(text: str, start: int, end: int, name: str) -> tuple[int, int]:
    """Where ``name`` is in the occurrence ``text[start:end]`` ("SCAN" in "the SCAN dataset"),
    else the occurrence itself (an abbreviation naming its long form)."""
    at = text.find(name, start, end)
    return (at, at + len(name)) if at >= 0 else (start, end)


def _aliases(text: str, name: str, found: Group) -> tuple[str, ...]:
    """The group's other forms: its abbreviation and other spellings, one per identity."""
    forms = {found.short} if found.short else set()
    for cand in found.occurrences:
        if cand.source != SHORT_FORM:
            forms.add(display_name(text[cand.start : cand.end]))
    seen = {singular_key(name)}
    out = []
    for form in sorted(forms, key=lambda f: (f.casefold(), f)):
        if form and singular_key(form) not in seen:
            seen.add(singular_key(form))
            out.append(form)
    return tuple(out)
