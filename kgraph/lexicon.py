"""The Papers with Code gazetteer (``kgraph/data/lexicon``) and kgraph's curated lists.

Plain Python (no spaCy): extraction matches it (:mod:`kgraph.extract.lexicon`) and
resolution links entities to it (:mod:`kgraph.resolve`).

Which surface forms of a lexicon name may match, and how, is decided once when the lexicon
loads (:func:`match_forms`): names with capitals inside or digits ("SCAN", "GSM8K", "ImageNet")
match case-sensitively; lower-case multi-word method and task names ("knowledge distillation")
match in any case; single everyday words ("Text", "Wine", "Attention") do not match unless the
name is rare enough in general English to be a term. "SCAN" the dataset is never "scan".
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources
from pathlib import Path

from kgraph.model import EntityType
from kgraph.words import folded_set, word_list, zipf

# A single Title-case word is a name, not an everyday word, below this Zipf frequency.
NAME_MAX_ZIPF = 3.0
# A single lower-case method or task word is a term below this Zipf frequency.
TERM_MAX_ZIPF = 3.3
MAX_TERM_WORDS = 8
# Leaderboard labels and dataset names this short and all capitals are too ambiguous to trust.
SHORT_ACRONYM = 3
# PwC method collections whose members are trained models rather than techniques.
MODEL_COLLECTIONS = frozenset(
    {
        "Autoencoding Transformers",
        "Autoregressive Transformers",
        "Language Models",
        "Vision and Language Pre-Trained Models",
        "Image Models",
        "Generative Audio Models",
        "Text-to-Speech Models",
        "Speech Recognition Models",
    }
)
_TERM_TYPES = frozenset({EntityType.METHOD, EntityType.TASK, EntityType.METRIC})


class Mode(Enum):
    EXACT = "EXACT"  # case-sensitive, token by token
    FOLDED = "FOLDED"  # case-insensitive


class Rank(int, Enum):
    """Where a term came from; the lower, the more it is trusted when one form has two types."""

    CURATED = 0  # kgraph's own lists (model families, metrics)
    DATASET = 1
    METHOD = 2
    TASK = 3
    LEADERBOARD = 4


@dataclass(frozen=True)
class Term:
    """One lexicon entry that a surface form points to."""

    name: str
    type: EntityType
    url: str | None = None
    rank: Rank = Rank.CURATED


def _has_inner_capital_or_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word) or any(ch.isupper() for ch in word[1:])


def _hyphen_variants(form: str) -> list[str]:
    """``fine-tuning`` is also written ``fine tuning`` and ``finetuning``."""
    variants = [form]
    if "-" in form:
        variants += [form.replace("-", " "), form.replace("-", "")]
    return list(dict.fromkeys(variants))


def match_forms(surface: str, type_: EntityType, trusted: bool = False) -> list[tuple[str, Mode]]:
    """The forms under which a lexicon name may be matched in text, and how.

    ``trusted`` names (kgraph's curated lists) skip the everyday-word filter: a lower-case
    entry there is a term by decision ("transformer", "pruning").

    Examples
    --------
    >>> match_forms("SCAN", EntityType.BENCHMARK)
    [('SCAN', <Mode.EXACT: 'EXACT'>)]
    >>> match_forms("Text", EntityType.BENCHMARK)
    []
    >>> [f for f, _ in match_forms("Knowledge Distillation", EntityType.METHOD)]
    ['knowledge distillation']
    >>> [f for f, _ in match_forms("fine-tuning", EntityType.METHOD)]
    ['fine-tuning', 'fine tuning', 'finetuning']
    """
    surface = " ".join(surface.split())
    words = surface.split()
    if (
        len(surface) < 2
        or not any(ch.isalpha() for ch in surface)
        or len(words) > MAX_TERM_WORDS
        or surface.casefold() in folded_set("generic")
    ):
        return []
    if surface.isupper() or any(_has_inner_capital_or_digit(w) for w in words):
        return [(surface, Mode.EXACT)]
    if trusted:
        if surface.islower():
            return [(form, Mode.FOLDED) for form in _hyphen_variants(surface)]
        return [(surface, Mode.EXACT)]
    is_term = type_ in _TERM_TYPES
    single = len(words) == 1 and "-" not in surface
    if single and zipf(surface) >= (TERM_MAX_ZIPF if is_term else NAME_MAX_ZIPF):
        return []
    if is_term:
        return [(form, Mode.FOLDED) for form in _hyphen_variants(surface.lower())]
    return [(surface, Mode.EXACT)]


class Lexicon:
    """Surface forms -> lexicon terms, and the matchers that find them in a Doc."""

    def __init__(self, entries: Iterable[tuple[str, Term]], folder: str = "") -> None:
        self.folder = folder  # where its files are ("" for the package's)
        self.tables: dict[Mode, dict[str, list[Term]]] = {
            Mode.EXACT: defaultdict(list),
            Mode.FOLDED: defaultdict(list),
        }
        for surface, term in entries:
            for form, mode in match_forms(surface, term.type, term.rank is Rank.CURATED):
                terms = self.tables[mode][form if mode is Mode.EXACT else form.casefold()]
                if term not in terms:
                    terms.append(term)
        for table in self.tables.values():
            for terms in table.values():
                terms.sort(key=lambda t: t.rank)

    def lookup(self, text: str) -> list[Term]:
        """Terms for a surface form: case-sensitive forms first, then case-insensitive ones.

        Examples
        --------
        >>> [t.type.value for t in default_lexicon().lookup("SCAN")][:1]
        ['benchmark']
        >>> default_lexicon().lookup("scan")
        []
        """
        text = " ".join(text.split())
        terms = self.tables[Mode.EXACT].get(text, []) + self.tables[Mode.FOLDED].get(
            text.casefold(), []
        )
        return sorted(terms, key=lambda t: t.rank)


def _rows(folder: str, name: str) -> Iterator[dict[str, str]]:
    """The rows of one lexicon file: the package's, or one in ``folder`` (absent: none)."""
    if folder:
        path = Path(folder) / name
        if not path.exists():
            return
        text = path.read_text("utf-8")
    else:
        text = resources.files("kgraph").joinpath(f"data/lexicon/{name}").read_text("utf-8")
    yield from csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)


def _usable_model_name(name: str) -> bool:
    """Leaderboard labels that name a model: one or two words with a name's shape."""
    words = name.split()
    if not 1 <= len(words) <= 2 or any(ch in name for ch in "()[]+,&/:;*"):
        return False
    if name.isalpha() and name.isupper() and len(name) <= SHORT_ACRONYM:
        return False  # "SPM", "DM", "QA": too many things share three capitals
    return all(_has_inner_capital_or_digit(w) or w.isupper() for w in words)


CURATED_LISTS = {
    "model_families": EntityType.MODEL,
    "benchmarks_core": EntityType.BENCHMARK,
    "methods_core": EntityType.METHOD,
    "metrics": EntityType.METRIC,
}


def _entries(folder: str = "") -> Iterator[tuple[str, Term]]:
    """The entries of the lexicon in ``folder`` ("" for the package's) and the curated lists."""
    for list_name, type_ in CURATED_LISTS.items():
        for name in word_list(list_name):
            yield name, Term(name, type_)
    for row in _rows(folder, "datasets.tsv"):
        term = Term(row["name"], EntityType.BENCHMARK, row["url"] or None, Rank.DATASET)
        if not (
            row["name"].isalpha() and row["name"].isupper() and len(row["name"]) < SHORT_ACRONYM
        ):
            yield row["name"], term
        if row["full_name"]:
            yield row["full_name"], term
        for alias in filter(None, row["aliases"].split("|")):
            # PwC "variants" are sometimes other datasets (GLUE -> RTE): link only true variants.
            linked = row["name"].casefold() in alias.casefold()
            yield alias, term if linked else Term(alias, EntityType.BENCHMARK, None, Rank.DATASET)
    for row in _rows(folder, "datasets_extra.tsv"):
        yield row["name"], Term(row["name"], EntityType.BENCHMARK, None, Rank.DATASET)
    model_methods = {
        row["name"]
        for row in _rows(folder, "method_collections.tsv")
        if row["collection"] in MODEL_COLLECTIONS
    }
    for row in _rows(folder, "methods.tsv"):
        is_model = row["name"] in model_methods and _has_inner_capital_or_digit(row["name"])
        type_ = EntityType.MODEL if is_model else EntityType.METHOD
        term = Term(row["name"], type_, row["url"] or None, Rank.METHOD)
        yield row["name"], term
        if row["full_name"] and row["full_name"] != row["name"]:
            yield row["full_name"], term
    for row in _rows(folder, "methods_extra.tsv"):
        yield row["name"], Term(row["name"], EntityType.METHOD, None, Rank.METHOD)
    for row in _rows(folder, "tasks.tsv"):
        yield row["name"], Term(row["name"], EntityType.TASK, row["url"] or None, Rank.TASK)
    for row in _rows(folder, "tasks_extra.tsv"):
        yield row["name"], Term(row["name"], EntityType.TASK, None, Rank.TASK)
    for row in _rows(folder, "models.tsv"):
        name = row["name"].strip()
        if _usable_model_name(name):
            yield name, Term(name, EntityType.MODEL, None, Rank.LEADERBOARD)


@cache
def load_lexicon(folder: str = "") -> Lexicon:
    """The lexicon built from the Papers with Code files in ``folder`` (the same file names
    as ``kgraph/data/lexicon``; missing ones are empty) plus kgraph's curated lists; ``""``
    is the lexicon shipped with kgraph. Built once per process and folder."""
    return Lexicon(_entries(folder), folder)


def default_lexicon() -> Lexicon:
    """The lexicon shipped with kgraph."""
    return load_lexicon("")


# Titles a phrase must be in to count (rarer n-grams are not kept: they would only fill memory).
MIN_TITLE_COUNT = 2
MAX_TITLE_NGRAM = 4


@cache
def title_phrases(folder: str = "") -> dict[str, int]:
    """Lower-cased phrases of up to four words -> in how many paper titles they occur.

    The titles are those of the Papers with Code leaderboard papers (``models.tsv``), some
    7,000 machine-learning papers: how often a phrase is in them says how much it is a term
    of the field ("curriculum learning" is, "strong results" is not).
    """
    from kgraph.text import words

    titles = {row["paper_title"] for row in _rows(folder, "models.tsv") if row.get("paper_title")}
    counts: dict[str, int] = defaultdict(int)
    for title in titles:
        found = [w.casefold() for _, _, w in words(title)]
        seen = {
            " ".join(found[i : i + n])
            for n in range(1, MAX_TITLE_NGRAM + 1)
            for i in range(len(found) - n + 1)
        }
        for phrase in seen:
            counts[phrase] += 1
    return {p: n for p, n in counts.items() if n >= MIN_TITLE_COUNT}
