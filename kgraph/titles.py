"""Look-alike letters in titles: the part of the title key that Unicode's confusables make.

A title copied through the wrong keyboard or font can carry a Greek or Cyrillic letter that
looks exactly like a Latin one: "Attention Is All You Need" with a Cyrillic A (U+0410), a
Cyrillic o (U+043E) and a Greek N (U+039D). Unicode Technical Standard #39 maps every such
character to the prototype it looks like (``kgraph/data/confusables/``);
:func:`fold_confusables` applies that mapping, so that the title key
(:func:`kgraph.model.normalise_title`) of the look-alike is the key of the real title.

Departures from the standard's skeleton, each because the key must stay what it was where no
look-alike is involved:

- Only letters and digits are mapped: anything else separates words in the key, and mapping
  it could glue words together (the standard maps an em dash to a Katakana letter, U+30FC).
- ASCII is never mapped. The standard maps ``I``, ``1`` and ``|`` to ``l``, ``0`` to ``O`` and
  ``m`` to ``rn``; doing that would change the key, and the id, of almost every paper. A
  look-alike of those classes becomes the ASCII letter it looks like instead: an uppercase one
  ``I`` (Greek capital iota, U+0399), any other ``l``; one of ``m`` (U+0271) ``m``.
- Only a title that is mostly Latin letters is folded: a Russian or Greek title keeps its
  letters, and its key stays case-insensitive (the standard maps the Greek capital eta to
  ``H`` but its small letter to ``n``).
- In a Latin title, an uppercase letter that looks like a Latin capital is read as that
  capital before case is folded (the Greek capital nu is ``N``, though its small letter looks
  like ``v``): a title's capitals are where look-alikes sit. So there, case no longer joins a
  Greek capital to its small letter: "B-VAE" with a Greek capital beta is "B-VAE", not
  "beta-VAE".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class _Tables:
    """``str.translate`` tables made from the shipped confusables."""

    # an uppercase letter -> the ASCII it looks like (the Greek capital nu -> "N")
    capitals: dict[int, str]
    # any character -> its prototype
    prototypes: dict[int, str]
    # the characters ``prototypes`` maps: most titles have none, and translating is slower
    sources: frozenset[str]


def _in_ascii_terms(source: str, prototype: str) -> str:
    """``prototype`` with the standard's stand-ins for ASCII classes made the ASCII letter
    ``source`` looks like (see the module's docstring)."""
    prototype = prototype.replace("rn", "m")
    return prototype.replace("l", "I") if source.isupper() else prototype


@cache
def _tables() -> _Tables:
    text = resources.files("kgraph").joinpath("data/confusables/confusables.txt")
    capitals: dict[int, str] = {}
    prototypes: dict[int, str] = {}
    for line in text.read_text("utf-8").splitlines():
        fields = line.partition("#")[0].split(";")
        if len(fields) < 2:
            continue
        source = chr(int(fields[0], 16))
        prototype = _in_ascii_terms(source, "".join(chr(int(c, 16)) for c in fields[1].split()))
        prototypes[ord(source)] = prototype
        if source.isupper() and prototype.isascii() and prototype.isalpha():
            capitals[ord(source)] = prototype
    return _Tables(capitals, prototypes, frozenset(map(chr, prototypes)))


def _mostly_latin(text: str) -> bool:
    """Whether most letters of ``text`` (decomposed: accents apart) are ASCII letters."""
    latin = other = 0
    for char in text:
        if char.isalpha():
            if char.isascii():
                latin += 1
            else:
                other += 1
    return latin > other


def fold_confusables(text: str) -> str:
    """``text`` (NFKD-normalised) casefolded, with the look-alikes of Latin letters in a
    mostly Latin text made those letters; the result is NFKD-normalised.

    Examples
    --------
    >>> fold_confusables("\\u0410ttention Is All Y\\u043eu \\u039deed")  # Cyrillic, Greek
    'attention is all you need'
    >>> fold_confusables("Глубокое обучение")  # a Russian title keeps its letters
    'глубокое обучение'
    """
    folded = text.casefold()
    tables = _tables()
    plain = tables.sources.isdisjoint(text) and tables.sources.isdisjoint(folded)
    if plain or not _mostly_latin(text):
        return folded
    folded = text.translate(tables.capitals).casefold().translate(tables.prototypes)
    return unicodedata.normalize("NFKD", folded).casefold()
