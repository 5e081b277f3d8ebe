"""Mentions from all papers -> canonical entities, one per real thing.

A mention's *key* is its type and normalised name; mentions whose keys are equal, or that
one paper ties together as abbreviation and long form, or that a lexicon entry lists as
variants of one another, are one entity.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from kgraph.model import Entity, EntityType, Extraction

_ALNUM_RUN = re.compile(r"[0-9a-z]+")


def normalise_name(name: str) -> str:
    """The part of an entity key that ignores case, hyphens, spaces and accents.

    Separators vanish, except between two digits, where they become ``-``: "GPT-4" and
    "gpt4" are one name, "GPT-3.5" and "GPT-35" are not.

    Examples
    --------
    >>> normalise_name("GPT-4"), normalise_name("gpt 4")
    ('gpt4', 'gpt4')
    >>> normalise_name("Llama-3.1-70B"), normalise_name("GPT-3.5")
    ('llama3-1-70b', 'gpt3-5')
    """
    folded = unicodedata.normalize("NFKD", name).casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    out = ""
    for run in _ALNUM_RUN.findall(folded):
        if out and out[-1].isdigit() and run[0].isdigit():
            out += "-"
        out += run
    return out


def entity_key(type_: EntityType, name: str) -> str:
    """The stable key (and graph node id) of an entity, e.g. ``benchmark:gsm8k``."""
    return f"{type_.value}:{normalise_name(name)}"


@dataclass
class Resolution:
    """The entities of a corpus and, per paper, which entity each mention is."""

    entities: dict[str, Entity] = field(default_factory=dict)
    # paper id -> entity key for each of that paper's mentions, in mention order
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)


def resolve(extractions: Sequence[Extraction]) -> Resolution:
    """Group the mentions of all papers into entities.

    Examples
    --------
    >>> from kgraph.model import Mention, Paper
    >>> a = Extraction(Paper("A", "x"), (Mention("GPT-4", EntityType.MODEL),))
    >>> b = Extraction(Paper("B", "y"), (Mention("gpt4", EntityType.MODEL),))
    >>> res = resolve([a, b])
    >>> [(e.key, e.label, e.aliases, len(e.papers)) for e in res.entities.values()]
    [('model:gpt4', 'GPT-4', ('gpt4',), 2)]
    """
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    papers: dict[str, dict[str, None]] = defaultdict(dict)
    keys: dict[str, tuple[str, ...]] = {}
    for extraction in extractions:
        paper_keys = []
        for mention in extraction.mentions:
            key = entity_key(mention.type, mention.name)
            paper_keys.append(key)
            surface[key][mention.name] += 1
            for alias in mention.aliases:
                surface[key][alias] += 0
            papers[key][extraction.paper.id] = None
        keys[extraction.paper.id] = tuple(paper_keys)
    entities = {}
    for key in sorted(surface):
        type_name = key.split(":", 1)[0]
        label = _preferred(surface[key])
        entities[key] = Entity(
            key=key,
            type=EntityType(type_name),
            label=label,
            aliases=tuple(sorted(n for n in surface[key] if n != label)),
            papers=tuple(papers[key]),
        )
    return Resolution(entities, keys)


def _preferred(names: Counter[str]) -> str:
    """Most frequent surface form; ties go to the longer, then the alphabetically first."""
    return min(names, key=lambda n: (-names[n], -len(n), n))
