"""The plain data that flows between kgraph's stages.

Sources produce :class:`Paper`, extraction adds :class:`Mention` (one per entity and
paper), resolution groups mentions into :class:`Entity`. No spaCy object crosses these
boundaries, so everything downstream of extraction can be rebuilt and tested without spaCy.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from kgraph.titles import fold_confusables


class EntityType(StrEnum):
    """The kinds of things a paper introduces or uses (see the annotation guidelines)."""

    BENCHMARK = "benchmark"
    MODEL = "model"
    METHOD = "method"
    TASK = "task"
    METRIC = "metric"


class Relation(StrEnum):
    """How a paper relates to an entity."""

    INTRODUCES = "introduces"
    USES = "uses"


# Anything but a letter or digit, in any script: a title in Cyrillic or Chinese has a key too.
_NON_ALNUM = re.compile(r"[\W_]+")


def normalise_title(title: str) -> str:
    """The key under which two listings of the same paper are one paper.

    Examples
    --------
    >>> normalise_title("  ExeDec: Execution  Decomposition ")
    'exedec execution decomposition'
    >>> normalise_title("EXEDEC — execution-decomposition")
    'exedec execution decomposition'
    >>> normalise_title("Глубокое обучение: Café_Модель")
    'глубокое обучение cafe модель'
    >>> normalise_title("\\u0410ttention Is All Y\\u043eu \\u039deed")  # Cyrillic, Greek
    'attention is all you need'
    """
    if title.isascii():  # most titles: no accents to strip (the same result, much faster)
        return _NON_ALNUM.sub(" ", title.casefold()).strip()
    folded = fold_confusables(unicodedata.normalize("NFKD", title))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", folded).strip()


@lru_cache(maxsize=1 << 16)  # asked for again at every stage of a build
def paper_id(title: str) -> str:
    """A stable id for a paper: 12 hex digits of the SHA-1 of its normalised title.

    Examples
    --------
    >>> paper_id("ExeDec: Execution Decomposition") == paper_id("exedec execution decomposition")
    True
    >>> len(paper_id("Anything"))
    12
    """
    return hashlib.sha1(normalise_title(title).encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, order=True)
class SourceRef:
    """Where a paper was read: a file and the 1-based line of its title."""

    path: str
    line: int


@dataclass(frozen=True)
class Paper:
    """One paper as read from an input: title, abstract and what the page says about it."""

    title: str
    abstract: str
    sources: tuple[SourceRef, ...] = ()
    date: str | None = None
    authors: int | None = None
    upvotes: int | None = None
    organisation: str | None = None
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def id(self) -> str:
        return paper_id(self.title)

    @property
    def key(self) -> str:
        return normalise_title(self.title)

    @property
    def text(self) -> str:
        """The text extraction runs on; mention offsets index into it."""
        return f"{self.title}\n\n{self.abstract}" if self.abstract else self.title


class Evidence(NamedTuple):
    """One piece of evidence for an extraction decision: ``feature=value``, and the rule
    that produced it ("after=benchmark", "the class noun 'dataset' after it")."""

    feature: str
    value: str
    rule: str

    @property
    def key(self) -> str:
        """The name of the learned model's feature: ``feature=value``."""
        return f"{self.feature}={self.value}"


@dataclass(frozen=True)
class Mention:
    """One entity found in one paper, with the evidence for it.

    ``start``/``end`` are character offsets of the first occurrence in :attr:`Paper.text`;
    ``sentence`` is the sentence that holds it. ``score`` (the model's confidence that it is
    an entity of this type) and ``evidence`` are kept only when extraction is asked to explain
    itself (``kgraph show --why``, ``kgraph eval --explain``); they take no part in equality.
    """

    name: str
    type: EntityType
    introduced: bool = False
    aliases: tuple[str, ...] = ()
    sentence: str = ""
    start: int = 0
    end: int = 0
    score: float = field(default=0.0, compare=False)
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)

    @property
    def relation(self) -> Relation:
        return Relation.INTRODUCES if self.introduced else Relation.USES


@dataclass(frozen=True)
class Extraction:
    """A paper and the mentions extracted from it."""

    paper: Paper
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class Entity:
    """A canonical entity: every mention of the same real thing across papers."""

    key: str
    type: EntityType
    label: str
    aliases: tuple[str, ...] = ()
    url: str | None = None
    papers: tuple[str, ...] = ()
