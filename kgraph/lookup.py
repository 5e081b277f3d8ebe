"""Finding what a user names: an entity by its id, name, alias or a variant, a paper by its id
or title. One set of rules for every command (``show``, ``view``, ``related``), over plain
:class:`Candidate` records, so it does not matter whether they came from SPARQL or networkx.

Names are matched ignoring case; the first tier that matches anything decides. A name that
matches several candidates in that tier, or none in any, is a one-line error listing some.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kgraph.errors import KgraphError
from kgraph.render import shorten

# How many candidates a "no match" or "ambiguous" message lists.
CANDIDATES = 5
_IRI_START = ("http://", "https://", "urn:")


@dataclass(frozen=True)
class Candidate:
    """Something a user may name: its key (an IRI or a node id), the identifiers that name it
    exactly, its preferred name, its kind (an entity type, or ``paper``) and its aliases."""

    key: str
    ids: tuple[str, ...]
    name: str
    kind: str
    aliases: tuple[str, ...] = ()


Test = Callable[[Candidate], bool]


def _first_tier(candidates: Sequence[Candidate], tiers: Sequence[Test]) -> list[Candidate]:
    for test in tiers:
        found = [c for c in candidates if test(c)]
        if found:
            return found
    return []


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _order(kinds: Sequence[str]) -> Callable[[Candidate], tuple[int, str, str, str]]:
    rank = {kind: i for i, kind in enumerate(kinds)}
    return lambda c: (rank.get(c.kind, len(rank)), c.name.casefold(), c.name, c.key)


def find_entity(
    candidates: Sequence[Candidate],
    wanted: str,
    kinds: Sequence[str],
    *,
    kind: str | None = None,
    type_option: bool = True,
) -> Candidate:
    """The candidate ``wanted`` names, of kind ``kind`` if given: by one of its ids, else its
    name, else an alias, else a variant of either (the resolver's: ``gpt4`` names GPT-4).

    ``kinds`` orders the kinds in messages; ``type_option`` says whether the command has
    ``--type`` to suggest when a name means entities of several kinds.

    Examples
    --------
    >>> scan = Candidate("benchmark:scan", ("benchmark:scan",), "SCAN", "benchmark", ("SCAN set",))
    >>> gpt = Candidate("model:gpt4", ("model:gpt4",), "GPT-4", "model")
    >>> [find_entity([scan, gpt], name, ["benchmark", "model"]).name
    ...  for name in ("Benchmark:SCAN", "scan", "scan SET", "gpt4")]
    ['SCAN', 'SCAN', 'SCAN', 'GPT-4']
    """
    name = wanted.strip()
    if name.startswith("<") and name.endswith(">"):
        name = name[1:-1]
    if not name:
        raise KgraphError("give an entity name, alias or IRI")
    of_type = f" of type {kind}" if kind else ""
    pool = [c for c in candidates if kind is None or c.kind == kind]
    key = _fold(name)
    by_id = [c for c in pool if key in {_fold(i) for i in c.ids}]
    if not by_id and name.startswith(_IRI_START):
        raise KgraphError(f"no entity <{name}> in the graph{of_type}")
    from kgraph.resolve import normalise_name  # (lexicon and word lists: only when needed)

    variant = normalise_name(name)
    found = by_id or _first_tier(
        pool,
        [
            lambda c: _fold(c.name) == key,
            lambda c: key in {_fold(a) for a in c.aliases},
            lambda c: variant in {normalise_name(n) for n in (c.name, *c.aliases)},
        ],
    )
    unique = sorted(set(found), key=_order(kinds))
    if len(unique) == 1:
        return unique[0]
    if unique:
        listed = ", ".join(f"{c.name} ({c.kind})" for c in unique[:CANDIDATES])
        types = sorted(
            {c.kind for c in unique},
            key=lambda k: (k not in kinds, kinds.index(k) if k in kinds else 0, k),
        )
        if type_option and len(types) > 1:
            hint = f"give --type {'|'.join(types)}"
        else:
            hint = "give the id: " + ", ".join(c.key for c in unique[:CANDIDATES])
        raise KgraphError(f"{wanted!r} names {len(unique)} entities: {listed}; {hint}")
    similar = sorted(
        {(c.name, c.kind) for c in pool if key in c.name.casefold()},
        key=lambda item: (len(item[0]), item[0].casefold(), item[0], item[1]),
    )
    hint = "; similar: " + ", ".join(f"{n} ({k})" for n, k in similar[:CANDIDATES])
    raise KgraphError(f"no entity {wanted!r} in the graph{of_type}{hint if similar else ''}")


def find_paper(candidates: Sequence[Candidate], wanted: str) -> Candidate:
    """The paper ``wanted`` names: one of its ids, its title (ignoring case and spacing), or a
    part of exactly one title. Otherwise a one-line error listing candidates."""
    key = _fold(wanted)
    if not key:
        raise KgraphError("give a paper title, part of a title, or a paper id")
    papers = sorted(candidates, key=lambda c: (c.name.casefold(), c.name, c.key))
    tiers: list[Test] = [
        lambda c: key in {_fold(i) for i in c.ids},
        lambda c: _fold(c.name) == key,
        lambda c: key in _fold(c.name),
    ]
    for test in tiers:
        matches = [c for c in papers if test(c)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise KgraphError(
                f"{wanted!r} matches {len(matches)} papers: {_paper_list(matches)}; "
                "give more of the title or a paper id"
            )
    closest = _closest_titles(papers, key)
    hint = f"; closest: {_paper_list(closest)}" if closest else ""
    raise KgraphError(f"no paper matches {wanted!r}{hint}")


def _closest_titles(papers: Sequence[Candidate], key: str) -> list[Candidate]:
    """Up to :data:`CANDIDATES` papers whose titles share the most words with ``key``."""
    words = set(re.findall(r"\w{3,}", key))
    scored = [(len(words & set(re.findall(r"\w{3,}", _fold(p.name)))), p) for p in papers]
    best = sorted((item for item in scored if item[0]), key=lambda item: -item[0])
    return [paper for _, paper in best[:CANDIDATES]]


def _paper_list(papers: Sequence[Candidate]) -> str:
    shown = ", ".join(f'"{shorten(p.name, 60)}" ({p.ids[0]})' for p in papers[:CANDIDATES])
    more = len(papers) - CANDIDATES
    return shown + (f" and {more} more" if more > 0 else "")
