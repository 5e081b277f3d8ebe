"""The word lists the extractor reads, shipped as text files in ``kgraph/data/words``.

One entry per line; ``#`` starts a comment line. Lists are data, not code, so they can be
reviewed and extended without touching the components.
"""

from __future__ import annotations

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
