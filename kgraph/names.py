"""When two names are the same name: the one identity rule of kgraph.

:func:`name_key` is what extraction (grouping a paper's mentions), resolution (merging
entities across papers), lookups (``kgraph show gpt4``) and IRIs use: case, accents,
hyphens and spaces are ignored, except between two digits, so "GPT-4" = "gpt4" but
"GPT-3.5" != "GPT-35". :func:`singular_key` adds the plural: "Transformers" = "Transformer",
"LLMs" = "LLM".

:func:`gold_key` is not kgraph's identity but the annotation guidelines' scoring rule
(lower-case, drop every non-alphanumeric character and one trailing "s"), used only to compare
predictions with gold, so that kgraph's figures are those the annotators' tools compute.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ALNUM_RUN = re.compile(r"[0-9a-z]+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 17)  # the same names recur in paper after paper
def name_key(name: str) -> str:
    """The identity of a name: case, hyphens, spaces and accents ignored.

    Separators vanish, except between two digits, where they become ``-``; "+" is "plus".

    Examples
    --------
    >>> name_key("GPT-4"), name_key("gpt 4"), name_key("GPT4")
    ('gpt4', 'gpt4', 'gpt4')
    >>> name_key("Llama-3.1-70B"), name_key("GPT-3.5"), name_key("GPT-35")
    ('llama3-1-70b', 'gpt3-5', 'gpt35')
    >>> name_key("HumanEval+") == name_key("HumanEval"), name_key("Café") == name_key("cafe")
    (False, True)
    """
    folded = name.casefold().replace("+", " plus ")
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    out = ""
    for run in _ALNUM_RUN.findall(folded):
        if out and out[-1].isdigit() and run[0].isdigit():
            out += "-"
        out += run
    return out


@lru_cache(maxsize=1 << 17)
def singular_key(name: str) -> str:
    """:func:`name_key` without a plural "s": the identity of a name within one paper.

    Examples
    --------
    >>> singular_key("Transformers") == singular_key("transformer")
    True
    >>> singular_key("LLMs") == singular_key("LLM"), singular_key("RMs") == singular_key("RM")
    (True, True)
    >>> singular_key("process"), singular_key("GPT-3.5")
    ('process', 'gpt3-5')
    """
    if len(name) > 2 and name.endswith("s") and name[-2].isupper():
        name = name[:-1]  # an acronym's plural: "RMs", "LLMs"
    key = name_key(name)
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        return key[:-1]
    return key


def gold_key(name: str) -> str:
    """The annotation guidelines' comparison: lower-cased, alphanumerics only, no trailing "s".

    Looser than :func:`name_key` on purpose (it is the scorers' rule, not kgraph's identity):
    it merges "GPT-3.5" with "GPT-35" and "HumanEval+" with "HumanEval".

    Examples
    --------
    >>> gold_key("Chain-of-Thought prompts"), gold_key("GPT-4")
    ('chainofthoughtprompt', 'gpt4')
    """
    key = _NON_ALNUM.sub("", name.casefold())
    return key[:-1] if key.endswith("s") else key
