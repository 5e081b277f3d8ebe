"""Mentions from all papers -> canonical entities, one per real thing.

Two surface forms are the same entity when

- they normalise to the same name (case, hyphens, spaces and accents ignored, see
  :func:`normalise_name`; "GPT-4", "GPT4" and "gpt-4" are one),
- one is the plural of the other and the singular is seen too ("Transformers"),
- a paper defines one as the abbreviation of the other ("RAG" / "Retrieval-Augmented
  Generation"), in that paper and then in every paper: a short form defined with more than
  one long form across papers links only to the long form most papers give it (two thirds at
  least), otherwise to none.

Versions and sizes are part of a name, so "GPT-3.5" and "GPT-4", "Llama 2 7B" and "13B" stay
apart. An entity's type is the one most of its mentions have; its label is its most frequent
full name; it is linked to Papers with Code when its label or an alias is a lexicon name.
Nothing here depends on spaCy.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from kgraph.lexicon import Lexicon, default_lexicon
from kgraph.model import Entity, EntityType, Extraction, Mention
from kgraph.names import name_key

_Normaliser = Callable[[str], str]
_SHORT_ACRONYM = re.compile(r"[A-Z]{2,4}s?")
# An abbreviation is linked to its dominant long form only when that form has this share.
DOMINANT_LONG_FORM_SHARE = 2 / 3
# Lexicon types an entity of a given type may be linked to (PwC lists trained models as methods).
_LINKABLE = {
    EntityType.BENCHMARK: {EntityType.BENCHMARK},
    EntityType.MODEL: {EntityType.MODEL, EntityType.METHOD},
    EntityType.METHOD: {EntityType.METHOD, EntityType.MODEL},
    EntityType.TASK: {EntityType.TASK},
    EntityType.METRIC: {EntityType.METRIC},
}


# The one name-identity rule of the package (kgraph.names); the old name, for its callers.
normalise_name = name_key


def entity_key(type_: EntityType, name: str) -> str:
    """The stable key (and graph node id) of an entity, e.g. ``benchmark:gsm8k``.

    Examples
    --------
    >>> entity_key(EntityType.BENCHMARK, "GSM8K")
    'benchmark:gsm8k'
    """
    return f"{type_.value}:{normalise_name(name)}"


@dataclass
class Resolution:
    """The entities of a corpus and, per paper, which entity each mention is."""

    entities: dict[str, Entity] = field(default_factory=dict)
    # paper id -> entity key for each of that paper's mentions, in mention order
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # The smaller key becomes the root, so the result does not depend on input order.
            low, high = sorted((root_a, root_b))
            self.parent[high] = low


def _surface_forms(mention: Mention) -> list[str]:
    return [mention.name, *mention.aliases]


def _plural_map(keys: Iterable[str]) -> dict[str, str]:
    """Normalised plurals whose singular is also seen -> that singular.

    Examples
    --------
    >>> _plural_map(["transformers", "transformer", "process", "llms"])
    {'transformers': 'transformer'}
    """
    seen = set(keys)
    return {
        key: key[:-1]
        for key in seen
        if len(key) > 3 and key.endswith("s") and not key.endswith("ss") and key[:-1] in seen
    }


def resolve(extractions: Sequence[Extraction], lexicon: Lexicon | None = None) -> Resolution:
    """Group the mentions of all papers into entities.

    Examples
    --------
    >>> from kgraph.model import Paper
    >>> a = Extraction(Paper("A", "x"), (Mention("GPT-4", EntityType.MODEL),))
    >>> b = Extraction(Paper("B", "y"), (Mention("gpt4", EntityType.MODEL),))
    >>> res = resolve([a, b])
    >>> [(e.key, e.label, e.aliases, len(e.papers)) for e in res.entities.values()]
    [('model:gpt4', 'GPT-4', ('gpt4',), 2)]
    """
    lexicon = lexicon or default_lexicon()
    mentions = [(ex.paper.id, m) for ex in extractions for m in ex.mentions]
    all_keys = {normalise_name(s) for _, m in mentions for s in _surface_forms(m)}
    plural = _plural_map(all_keys)

    def norm(surface: str) -> str:
        key = normalise_name(surface)
        return plural.get(key, key)

    groups = _UnionFind()
    for _, mention in mentions:
        groups.find(norm(mention.name))
    for alias, long_form in _alias_links(mentions, norm).items():
        groups.union(alias, long_form)

    members: dict[str, list[tuple[str, Mention]]] = defaultdict(list)
    for paper_id, mention in mentions:
        members[groups.find(norm(mention.name))].append((paper_id, mention))

    entities: dict[str, Entity] = {}
    key_of_group: dict[str, str] = {}
    for root in sorted(members):
        entity = _entity(members[root], lexicon)
        entities[entity.key] = entity
        key_of_group[root] = entity.key
    keys: dict[str, list[str]] = defaultdict(list)
    for ex in extractions:
        keys[ex.paper.id].extend(key_of_group[groups.find(norm(m.name))] for m in ex.mentions)
    return Resolution(
        dict(sorted(entities.items())), {paper: tuple(found) for paper, found in keys.items()}
    )


def _alias_links(mentions: Sequence[tuple[str, Mention]], norm: _Normaliser) -> dict[str, str]:
    """Alias key -> the long-form key it stands for, where the papers agree on one."""
    long_forms: dict[str, Counter[str]] = defaultdict(Counter)
    for _, mention in mentions:
        name = norm(mention.name)
        for alias in mention.aliases:
            key = norm(alias)
            if key and key != name:
                long_forms[key][name] += 1
    links = {}
    for alias, counts in long_forms.items():
        (best, best_count), *_ = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if best_count / sum(counts.values()) >= DOMINANT_LONG_FORM_SHARE:
            links[alias] = best
    return links


def _entity(members: list[tuple[str, Mention]], lexicon: Lexicon) -> Entity:
    order = list(EntityType)
    votes = Counter(mention.type for _, mention in members)
    type_ = min(votes, key=lambda t: (-votes[t], order.index(t)))
    names = Counter(mention.name for _, mention in members)
    label = min(names, key=lambda n: (-names[n], -len(n), n))
    surfaces = {s for _, mention in members for s in _surface_forms(mention)}
    aliases = tuple(sorted(surfaces - {label}, key=lambda s: (s.casefold(), s)))
    papers = tuple(dict.fromkeys(paper_id for paper_id, _ in members))
    return Entity(
        key=entity_key(type_, label),
        type=type_,
        label=label,
        aliases=aliases,
        url=_link(type_, (label, *aliases), lexicon),
        papers=papers,
    )


def _link(type_: EntityType, surfaces: Iterable[str], lexicon: Lexicon) -> str | None:
    """The Papers with Code URL of the first surface form that is a lexicon name.

    The label comes first; a short all-capitals alias ("SVD") is too ambiguous to link by.
    """
    for index, surface in enumerate(surfaces):
        if index and _SHORT_ACRONYM.fullmatch(surface):
            continue
        for term in lexicon.lookup(surface):
            if term.url and term.type in _LINKABLE[type_]:
                return term.url
    return None
