"""Deciding the entities of a paper from the candidates the other components found.

Candidates come from abbreviation definitions, the lexicon, name shapes, noun-phrase heads
and the title. This module picks non-overlapping spans (longest first, then by how trusted
their source is), types each by the evidence around it (the head noun after it, an
appositive "X, a benchmark for ...", evaluation or comparison context, its lexicon entry and
its shape), groups occurrences of one thing (a long form and its abbreviation are one entity),
and flags what the paper introduces ("we propose X", "our X", the name before the title's
colon). The result is plain :class:`~kgraph.model.Mention` objects in ``doc._.kgraph_mentions``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc

from kgraph.extract import abbreviations as abbr
from kgraph.extract.lexicon import SPANS_KEY as LEXICON_KEY
from kgraph.extract.lexicon import default_lexicon
from kgraph.extract.patterns import NAME, is_name_like
from kgraph.extract.patterns import SPANS_KEY as PATTERNS_KEY
from kgraph.extract.words import folded_set, mapping, word_list
from kgraph.model import EntityType, Mention

# How much each source is trusted when candidates overlap (higher wins on equal length).
PRIORITY = {"abbreviation": 5, "title": 4, "cue": 4, "lexicon": 3, "name": 2, "phrase": 1}
# Evidence weights for typing.
W_CONTEXT = 3.0  # a head noun or appositive that names the type
W_LEXICON = 2.0
W_SHAPE = 1.0
W_WEAK = 0.5
# A name with no typing evidence at all is dropped below this score.
MIN_TYPE_SCORE = 1.0
CONTEXT_CHARS = 120
INTRO_GAP_WORDS = 6

_CLASS_OF_MODELS = re.compile(
    r"\b(?:language|foundation|vision[- ]language|multi-?modal|reward|preference|audio-language"
    r"|generative|pre-?trained|large|small|base)\s+models?$",
    re.I,
)
_URL = re.compile(r"(?:https?://|www\.|\b[\w-]+\.(?:com|org|io|ai|net)\b)\S*")
_SENTENCE_END = re.compile(
    r"(?<![A-Z]\.)(?<!\be\.g)(?<!\bi\.e)(?<!\bet al)(?<!\bvs)[.!?](?=\s+[A-Z(\"'])|\n+"
)
_ARTICLE = re.compile(r"^(?:the|a|an|our|their|its|this|these|those)\s+", re.I)


@dataclass
class Candidate:
    start: int
    end: int
    text: str
    source: str
    scores: dict[EntityType, float] = field(default_factory=dict)
    url: str | None = None
    introduced: bool = False
    group: str | None = None  # shared by a long form and its abbreviation
    long_form: str | None = None

    def add(self, type_: EntityType, weight: float) -> None:
        self.scores[type_] = self.scores.get(type_, 0.0) + weight

    @property
    def length(self) -> int:
        return self.end - self.start


@cache
def _heads() -> dict[str, EntityType]:
    return {k: EntityType(v) for k, v in mapping("heads.tsv").items()}


@cache
def _cue_pattern(role: str) -> re.Pattern[str]:
    words = [row.split("\t", 1)[1] for row in word_list("cues.tsv") if row.startswith(role + "\t")]
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.I)


@cache
def _head_after() -> re.Pattern[str]:
    words = sorted(_heads(), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(rf"^\s*(?:-\s*)?({alternatives})\b", re.I)


@cache
def _appositive() -> re.Pattern[str]:
    words = sorted(_heads(), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(
        rf"^\s*(?:\([^()]*\)\s*)?(?:,\s*|\s+(?:is|as|was)\s+)(?:a|an|the|our)\s+"
        rf"(?:[\w-]+\s+){{0,5}}?({alternatives})\b",
        re.I,
    )


@cache
def _list_before() -> re.Pattern[str]:
    words = sorted(_heads(), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    listing = _cue_pattern("list").pattern
    return re.compile(
        rf"\b({alternatives})\b,?\s*(?:\([^()]*\)\s*)?(?:{listing})?\s*"
        rf"(?:[\w./+-]+(?:\s[\w./+-]+)?\s*(?:,|\band\b|\bor\b)\s*){{0,6}}(?:and\s+|or\s+)?$",
        re.I,
    )


_EVAL_ON = re.compile(
    r"\b(?:on|across|over)\s+(?:the\s+)?(?:[\w./+-]+(?:\s[\w./+-]+)?\s*(?:,|\band\b)\s*){0,6}"
    r"(?:and\s+)?$",
    re.I,
)
_OUR = re.compile(r"\b(?:our|the proposed|our proposed)\s+(?:[\w-]+\s+){0,2}$", re.I)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries as character ranges; the title is a sentence of its own.

    Examples
    --------
    >>> t = "A Title\\n\\nWe use e.g. BERT. It works (see Fig. 2)! Done."
    >>> [t[s:e] for s, e in sentences(t)]
    ['A Title', 'We use e.g. BERT.', 'It works (see Fig. 2)!', 'Done.']
    """
    out = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end() if match.group().strip() else match.start()
        if text[start:end].strip():
            out.append(_trim(text, start, end))
        start = match.end()
    if text[start:].strip():
        out.append(_trim(text, start, len(text)))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def strip_name(text: str) -> str:
    """Drop a leading article and a trailing lower-case generic head that are not the name.

    Examples
    --------
    >>> strip_name("the human-guided tool manipulation framework")
    'human-guided tool manipulation'
    >>> strip_name("Abstraction and Reasoning Corpus")
    'Abstraction and Reasoning Corpus'
    """
    text = _ARTICLE.sub("", text.strip())
    words = text.split()
    if len(words) > 1 and words[-1] in _heads() and words[-1].islower():
        text = " ".join(words[:-1])
    return text


def is_generic(text: str) -> bool:
    """Is ``text`` a class of systems, a field or a generic word rather than one thing?

    Examples
    --------
    >>> [is_generic(t) for t in ["LLMs", "Multimodal large language models", "diffusion models"]]
    [True, True, False]
    """
    folded = " ".join(text.casefold().split())
    generic = folded_set("generic")
    if folded in generic or folded.rstrip("s") in generic:
        return True
    return bool(_CLASS_OF_MODELS.search(folded))


class Decider:
    """Turns the candidate spans of a Doc into mentions (see the module docstring)."""

    def __call__(self, doc: Doc) -> list[Mention]:
        text = doc.text
        sents = sentences(text)
        title_end = text.find("\n\n") if "\n\n" in text else len(text)
        urls = [m.span() for m in _URL.finditer(text)]
        candidates = list(self._candidates(doc, title_end))
        candidates = [c for c in candidates if not _inside(c, urls) and not is_generic(c.text)]
        kept = _select(candidates)
        for cand in kept:
            self._type_by_context(text, cand)
            self._introduced(text, cand, title_end)
        return self._group(text, kept, sents, title_end)

    def _candidates(self, doc: Doc, title_end: int) -> Iterator[Candidate]:
        text = doc.text
        lexicon = default_lexicon()
        for definition in doc._.kgraph_abbreviations or ():
            yield from self._abbreviation(text, definition)
        for span in doc.spans.get(LEXICON_KEY, ()):
            cand = Candidate(span.start_char, span.end_char, span.text, "lexicon")
            for rank, term in enumerate(lexicon.lookup(span.text)):
                cand.add(term.type, W_LEXICON if rank == 0 else W_WEAK)
                cand.url = cand.url or term.url
            yield cand
        for span in doc.spans.get(PATTERNS_KEY, ()):
            if span.label_ == NAME:
                cand = Candidate(span.start_char, span.end_char, span.text, "name")
                _type_by_shape(cand, lexicon)
            else:
                cand = Candidate(span.start_char, span.end_char, span.text, "phrase")
                cand.add(EntityType(span.label_), W_SHAPE)
            yield cand
        title = _title_name(text, title_end)
        if title is not None:
            yield title

    def _abbreviation(self, text: str, definition: abbr.Abbreviation) -> Iterator[Candidate]:
        long_form = strip_name(definition.long)
        if is_generic(long_form) or is_generic(definition.short) or not long_form:
            return
        offset = definition.long.find(long_form)
        start = definition.long_start + max(offset, 0)
        group = f"abbr:{definition.short}"
        long_cand = Candidate(start, start + len(long_form), long_form, "abbreviation", group=group)
        _type_long_form(long_cand, definition.long)
        yield long_cand
        for s, e in abbr.short_form_occurrences(text, definition.short):
            short = Candidate(s, e, text[s:e], "abbreviation", group=group, long_form=long_form)
            short.scores = long_cand.scores
            yield short

    def _type_by_context(self, text: str, cand: Candidate) -> None:
        after = text[cand.end : cand.end + CONTEXT_CHARS]
        before = text[max(0, cand.start - CONTEXT_CHARS) : cand.start]
        sentence_before = re.split(r"[.!?]\s|\n", before)[-1]
        heads = _heads()
        for pattern in (_head_after(), _appositive()):
            match = pattern.match(after)
            if match is not None:
                cand.add(heads[match.group(1).casefold()], W_CONTEXT)
                break
        listing = _list_before().search(sentence_before)
        if listing is not None:
            cand.add(heads[listing.group(1).casefold()], W_CONTEXT)
        if (
            cand.source == "name"
            and _EVAL_ON.search(sentence_before)
            and _cue_pattern("evaluate").search(sentence_before + after[:60])
        ):
            cand.add(EntityType.BENCHMARK, W_CONTEXT - W_WEAK)

    def _introduced(self, text: str, cand: Candidate, title_end: int) -> None:
        if cand.source == "title":
            cand.introduced = True
            return
        before = text[max(0, cand.start - CONTEXT_CHARS) : cand.start]
        sentence_before = re.split(r"[.!?]\s|\n", before)[-1]
        if _OUR.search(sentence_before) or re.search(
            _cue_pattern("name").pattern + r"\s*[\"']?$", sentence_before, re.I
        ):
            cand.introduced = True
            return
        intros = list(_cue_pattern("introduce").finditer(sentence_before))
        intro = intros[-1] if intros else None
        if intro is None or not re.search(
            r"\b(?:we|this (?:paper|work|study))\b", sentence_before[: intro.start()], re.I
        ):
            return
        gap = sentence_before[intro.end() :]
        if len(gap.split()) <= INTRO_GAP_WORDS and not re.search(
            r"\b(?:based|using|with|via|from|on|upon|leverag\w*|built|of|for|to|by|and|than)\b",
            gap,
            re.I,
        ):
            cand.introduced = True

    def _group(
        self,
        text: str,
        kept: list[Candidate],
        sents: list[tuple[int, int]],
        title_end: int,
    ) -> list[Mention]:
        groups: dict[str, list[Candidate]] = defaultdict(list)
        short_to_group: dict[str, str] = {}
        for cand in kept:
            if cand.group is not None and cand.long_form is not None:
                short_to_group[_fold(cand.text)] = cand.group
        for cand in kept:
            key = cand.group or short_to_group.get(_fold(cand.text)) or _fold(strip_name(cand.text))
            groups[key].append(cand)
        mentions = []
        for members in groups.values():
            scores: dict[EntityType, float] = defaultdict(float)
            for member in members:
                for type_, score in member.scores.items():
                    scores[type_] += score
            if not scores or max(scores.values()) < MIN_TYPE_SCORE:
                continue
            type_ = max(scores, key=lambda t: (scores[t], -list(EntityType).index(t)))
            longs = [m for m in members if m.group and m.long_form is None]
            names = [strip_name(m.text) for m in (longs or members)]
            name = max(names, key=lambda n: (len(n), n))
            aliases = sorted({strip_name(m.text) for m in members} - {name}, key=str.casefold)
            aliases = _dedupe_aliases(name, aliases)
            first = min(members, key=lambda m: m.start)
            sentence = _sentence_of(text, sents, first.start)
            mentions.append(
                Mention(
                    name=name,
                    type=type_,
                    introduced=any(m.introduced for m in members),
                    aliases=tuple(aliases),
                    sentence=sentence,
                    start=first.start,
                    end=first.end,
                )
            )
        mentions.sort(key=lambda m: m.start)
        return mentions


def _fold(text: str) -> str:
    folded = re.sub(r"[^0-9a-z]+", "", text.casefold())
    return folded[:-1] if len(folded) > 3 and folded.endswith("s") else folded


def _dedupe_aliases(name: str, aliases: Iterable[str]) -> list[str]:
    seen = {_fold(name)}
    out = []
    for alias in aliases:
        if _fold(alias) not in seen:
            seen.add(_fold(alias))
            out.append(alias)
    return out


def _inside(cand: Candidate, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= cand.start and cand.end <= e for s, e in ranges)


def _select(candidates: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates: longest first, then the most trusted source.

    Candidates with exactly the same span are merged, pooling their evidence.
    """
    by_span: dict[tuple[int, int], Candidate] = {}
    for cand in candidates:
        seen = by_span.get((cand.start, cand.end))
        if seen is None:
            by_span[(cand.start, cand.end)] = cand
            continue
        winner, other = (
            (cand, seen) if PRIORITY[cand.source] > PRIORITY[seen.source] else (seen, cand)
        )
        if winner.scores is not other.scores:
            winner.scores = dict(winner.scores)
            for type_, score in other.scores.items():
                winner.add(type_, score)
        winner.url = winner.url or other.url
        by_span[(cand.start, cand.end)] = winner
    ordered = sorted(by_span.values(), key=lambda c: (-c.length, -PRIORITY[c.source], c.start))
    taken: list[Candidate] = []
    occupied: list[tuple[int, int]] = []
    for cand in ordered:
        if any(cand.start < e and s < cand.end for s, e in occupied):
            continue
        taken.append(cand)
        occupied.append((cand.start, cand.end))
    return sorted(taken, key=lambda c: c.start)


def _type_by_shape(cand: Candidate, lexicon: object) -> None:
    text = cand.text
    families = frozenset(word_list("model_families"))
    first = re.split(r"[-\s/]", text)[0]
    if first in families or "/" in text or re.search(r"\d+(?:\.\d+)?[BMK]\b", text):
        cand.add(EntityType.MODEL, W_CONTEXT)
    elif re.search(r"[A-Za-z][-.]?\d", text) and not text.isupper():
        cand.add(EntityType.MODEL, W_SHAPE)


def _type_long_form(cand: Candidate, raw_long: str) -> None:
    lexicon = default_lexicon()
    for rank, term in enumerate(lexicon.lookup(cand.text)):
        cand.add(term.type, W_LEXICON if rank == 0 else W_WEAK)
        cand.url = cand.url or term.url
    last = raw_long.split()[-1].casefold()
    heads = _heads()
    if last in heads:
        cand.add(heads[last], W_CONTEXT)
    from kgraph.extract.patterns import _np_heads

    np_heads = _np_heads()
    last_of_name = cand.text.split()[-1].casefold()
    if last_of_name in np_heads:
        cand.add(EntityType(np_heads[last_of_name][0]), W_SHAPE)
    elif last_of_name in heads:
        cand.add(heads[last_of_name], W_SHAPE)
    cand.add(EntityType.METHOD, W_WEAK)


def _title_name(text: str, title_end: int) -> Candidate | None:
    """The name before a title's colon ("ExeDec: Execution Decomposition ..."), if it is one."""
    title = text[:title_end]
    head, colon, rest = title.partition(":")
    name = head.strip()
    if not colon or not name or len(name.split()) > 4 or is_generic(name):
        return None
    abstract = text[title_end:]
    single = len(name.split()) == 1
    if not (single and is_name_like(name)) and name.casefold() not in abstract.casefold():
        return None
    cand = Candidate(title.find(name), title.find(name) + len(name), name, "title")
    match = re.search(r"\b(" + "|".join(re.escape(h) for h in _heads()) + r")\b", rest, re.I)
    if match is not None:
        cand.add(_heads()[match.group(1).casefold()], W_SHAPE)
    cand.add(EntityType.METHOD, W_WEAK)
    return cand


def _sentence_of(text: str, sents: list[tuple[int, int]], offset: int) -> str:
    for start, end in sents:
        if start <= offset < end:
            return text[start:end]
    return ""


if not Doc.has_extension("kgraph_mentions"):
    Doc.set_extension("kgraph_mentions", default=None)


@Language.factory("kgraph_entities", assigns=["doc._.kgraph_mentions"], default_config={})
def make_entity_decider(nlp: Language, name: str) -> EntityDecider:
    return EntityDecider(nlp, name)


class EntityDecider:
    """Publishes the :class:`Decider`'s mentions as ``doc._.kgraph_mentions``."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.decider = Decider()

    def __call__(self, doc: Doc) -> Doc:
        mentions = self.decider(doc)
        self.set_annotations(doc, mentions)
        return doc

    def set_annotations(self, doc: Doc, mentions: list[Mention]) -> None:
        doc._.kgraph_mentions = mentions
