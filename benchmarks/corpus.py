"""Synthetic corpora for benchmarks: N abstracts built from the seeds, with distinct titles.

Each generated paper takes a seed paper's title (made unique with a suffix) and its abstract
with one sentence swapped for a sentence of another seed paper, so the texts differ the way
real abstracts do (shared vocabulary, different sentences) instead of repeating verbatim.
Nothing is committed: corpora are generated on the fly, deterministically from ``seed``.

    python benchmarks/corpus.py --n 20000 --out /tmp/corpus --format listing
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kgraph.sources import read_papers  # noqa: E402

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def generate(n: int, seed: int = 0, seeds_dir: Path = ROOT / "seeds") -> Iterator[tuple[str, str]]:
    """``n`` (title, abstract) pairs with distinct titles, built from the seed papers."""
    base = read_papers([seeds_dir])
    sentences = [_SENTENCE.split(p.abstract) for p in base]
    rng = random.Random(seed)
    for i in range(n):
        paper = base[i % len(base)]
        own = list(sentences[i % len(base)])
        donor = sentences[rng.randrange(len(base))]
        if len(own) > 2 and donor:
            own[rng.randrange(1, len(own))] = rng.choice(donor)
        yield f"{paper.title} [{i // len(base)}]", " ".join(own)


def write_listing(papers: Iterator[tuple[str, str]], folder: Path, per_file: int = 5000) -> int:
    """Write page dumps (title, blank line, abstract) of ``per_file`` papers each."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    handle = None
    for count, (title, abstract) in enumerate(papers, start=1):
        if handle is None or (count - 1) % per_file == 0:
            if handle is not None:
                handle.close()
            handle = (folder / f"page_{count // per_file:05d}.txt").open("w", encoding="utf-8")
            handle.write("Daily Papers\n\n")
        handle.write(f"{title}\n\n{abstract}\n\n")
    if handle is not None:
        handle.close()
    return count


def write_jsonl(papers: Iterator[tuple[str, str]], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for title, abstract in papers:
            handle.write(json.dumps({"title": title, "abstract": abstract}) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of abstracts")
    parser.add_argument("--out", type=Path, required=True, help="folder (listing) or file (jsonl)")
    parser.add_argument("--format", choices=("listing", "jsonl"), default="listing")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    papers = generate(args.n, args.seed)
    if args.format == "listing":
        written = write_listing(papers, args.out)
    else:
        written = write_jsonl(papers, args.out)
    print(f"wrote {written} abstracts to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
