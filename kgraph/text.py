"""Words and sentences of a paper's text: the one splitter every stage uses.

Plain regular expressions (no spaCy): extraction, the evidence sentences of the graph and
the HTML view's first sentences all cut text the same way.
"""

from __future__ import annotations

import re

Words = list[tuple[int, int, str]]

# A full stop, ! or ? (and any closing quotes or parenthesis after it) before a capital, or a
# line break: a sentence may end there, unless the full stop ends one of these ("e.g. BERT",
# "Fig. 2", "J. Smith").
_SENTENCE_END = re.compile(
    r"(?:\.(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bet al\.)(?<!\bvs\.)(?<!\bFig\.)(?<!\bEq\.)(?<!\b[A-Z]\.)"
    r"|[!?])[\"'\u201d\u2019)]*"  # closing double and single quotes
    r"(?=\s+[A-Z0-9(\"'\u201c\u2018])|\n+"  # opening double and single quotes
)
# A word: letters and digits, joined by - . / into compounds ("chain-of-thought", "GPT-3.5",
# "Qwen/Qwen2-7B-Instruct"), with an optional trailing "+" ("StarCoder+").
_WORD = re.compile(r"[A-Za-z0-9]\w*(?:[-./]\w+)*\+?")
# A hub id: an organisation, a slash, a model name ("meta-llama/Llama-3.1-70B-Instruct").
ORG_PREFIXED = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}/[A-Za-z][\w.-]*$")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries as character ranges; the title is a sentence of its own.

    Examples
    --------
    >>> t = "A Title\\n\\nWe use e.g. BERT. It works (see Fig. 2)! Done."
    >>> [t[s:e] for s, e in sentences(t)]
    ['A Title', 'We use e.g. BERT.', 'It works (see Fig. 2)!', 'Done.']
    >>> t = 'They ask "Who loves pie?" Prior work says "no." It (mostly) holds.'
    >>> [t[s:e] for s, e in sentences(t)]
    ['They ask "Who loves pie?"', 'Prior work says "no."', 'It (mostly) holds.']
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


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has no sentence end).

    Examples
    --------
    >>> first_sentence("We study it. Then we stop."), first_sentence("  no end ")
    ('We study it.', 'no end')
    """
    found = sentences(text)
    return text[found[0][0] : found[0][1]] if found else ""


def sentence_at(text: str, bounds: list[tuple[int, int]], offset: int) -> str:
    """The sentence of ``text`` (from ``bounds``, see :func:`sentences`) holding ``offset``."""
    for start, end in bounds:
        if start <= offset < end:
            return text[start:end]
    return ""


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def words(text: str) -> Words:
    """Every word of ``text`` with its offsets: one C-speed pass that extraction shares.

    Slashed words are split ("L1/L2", "encoder/decoder") unless they are a hub id with an
    organisation prefix ("Qwen/Qwen2-7B-Instruct").

    Examples
    --------
    >>> [w for _, _, w in words("We use chain-of-thought on GPT-3.5, L1/L2 and google/gemma-2b.")]
    ['We', 'use', 'chain-of-thought', 'on', 'GPT-3.5', 'L1', 'L2', 'and', 'google/gemma-2b']
    """
    found = [(*match.span(), match.group()) for match in _WORD.finditer(text)]
    if "/" not in text:
        return found
    out = []
    for start, end, word in found:
        if "/" in word and not ORG_PREFIXED.match(word):
            offset = start
            for part in word.split("/"):
                if part:
                    out.append((offset, offset + len(part), part))
                offset += len(part) + 1
        else:
            out.append((start, end, word))
    return out
