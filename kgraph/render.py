"""Text for people and files: the one table layout, and the answers to the questions.

:func:`table` lays out every table kgraph prints: :func:`kgraph.query.to_table` for SPARQL
answers and the renderers of the questions (``shared``, ``related``, ``stats``, ``show``) here.
A question's renderer takes the rows of its shipped query (:mod:`kgraph.questions`), each a
dict of variable -> value, in the order the query gives them, and only lays them out: which
entities and papers, how many, and in what order is the query's answer.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgraph.questions import Stats

# the narrowest a column is cut to when a table must fit, and the gap between columns
MIN_COLUMN = 12
GAP = "  "


@dataclass(frozen=True)
class Column:
    """A table column: its heading, whether it holds numbers (right-aligned) and whether its
    cells keep their end when cut (IRIs, whose end is the informative part)."""

    name: str
    numeric: bool = False
    keep_end: bool = False


def shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis.

    Examples
    --------
    >>> shorten("Attention  is all\\nyou need", 12)
    'Attention i…'
    """
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _clip(text: str, width: int, keep_end: bool = False) -> str:
    """``text`` cut to ``width`` with an ellipsis, at its end or (``keep_end``) its start."""
    if len(text) <= width:
        return text
    return "…" + text[1 - width :] if keep_end else text[: width - 1] + "…"


def _fit(widths: list[int], total: int, columns: Sequence[Column]) -> list[int]:
    """Narrow the widest columns until the table fits in ``total`` characters; columns that
    keep their end count double, so they give way before names and titles."""
    widths = list(widths)
    while sum(widths) + len(GAP) * (len(widths) - 1) > total:
        widest = max(range(len(widths)), key=lambda i: widths[i] * (1 + columns[i].keep_end))
        if widths[widest] <= MIN_COLUMN:
            break
        widths[widest] -= 1
    return widths


def table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    width: int | None = None,
    rule: bool = False,
) -> str:
    """``rows`` under their ``columns``' headings, aligned with two spaces between columns.

    With ``width``, the widest columns are narrowed (and their cells cut) until the table
    fits; with ``rule``, a line of dashes underlines the headings. No line ends in spaces.

    Examples
    --------
    >>> print(table([Column("NAME"), Column("N", numeric=True)], [["SCAN", "8"], ["MATH", "10"]]))
    NAME   N
    SCAN   8
    MATH  10
    """
    header = [column.name for column in columns]
    natural = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(header)]
    widths = natural if width is None else _fit(natural, width, columns)

    def line(values: Sequence[str], clip: bool) -> str:
        parts = []
        for value, column, w in zip(values, columns, widths, strict=True):
            text = _clip(value, w, keep_end=clip and column.keep_end)
            parts.append(text.rjust(w) if column.numeric else text.ljust(w))
        return GAP.join(parts).rstrip()

    lines = [line(header, False)]
    if rule:
        lines.append(GAP.join("-" * w for w in widths))
    lines += [line(row, True) for row in rows]
    return "\n".join(lines)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """``rows`` as CSV with ``header`` first, lines ending in ``\\n``, no final newline."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().rstrip("\n")


def to_json(data: object) -> str:
    """``data`` as indented JSON, non-ASCII characters as they are."""
    return json.dumps(data, ensure_ascii=False, indent=2)


# --- the questions' answers --------------------------------------------------------------------
# Each renderer takes the rows of its question's query (kgraph.questions), in their order.

Record = Mapping[str, str]

# Widths of the shortened titles in tables, and how many titles a `shared` row shows.
TITLE_WIDTH = 40
TITLES_PER_ROW = 3
INTRODUCERS_PER_ROW = 1
SENTENCE_WIDTH = 200
ALIAS_SEPARATOR = " | "


def _groups(rows: Iterable[Record], key: str) -> list[list[Record]]:
    """Runs of consecutive rows with the same ``key`` value (the queries order them so)."""
    runs: list[list[Record]] = []
    for row in rows:
        if runs and runs[-1][0].get(key) == row.get(key):
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs


def _aliases(row: Record) -> list[str]:
    return row["aliases"].split(ALIAS_SEPARATOR) if row.get("aliases") else []


def _titles(titles: Sequence[str], limit: int) -> str:
    """The first ``limit`` titles, shortened, and how many more there are."""
    shown = [shorten(title, TITLE_WIDTH) for title in titles[:limit]]
    if len(titles) > limit:
        shown.append(f"+{len(titles) - limit} more")
    return "; ".join(shown)


def _introduces(row: Record) -> bool:
    return row["introduces"] == "1"


def shared_json(rows: Sequence[Record]) -> str:
    """``[{"name", "type", "aliases", "url", "papers": [{"title", "id", "introduced"}]}]``."""
    return to_json(
        [
            {
                "name": group[0]["name"],
                "type": group[0]["kind"],
                "aliases": _aliases(group[0]),
                "url": group[0].get("url"),
                "papers": [
                    {"title": r["title"], "id": r["id"], "introduced": _introduces(r)}
                    for r in group
                ],
            }
            for group in _groups(rows, "entity")
        ]
    )


def shared_csv(rows: Sequence[Record]) -> str:
    """One row per entity and paper (entity columns repeated), for spreadsheets and pandas."""
    header = ["name", "type", "papers", "aliases", "url", "paper_id", "paper_title", "introduced"]
    return to_csv(
        header,
        (
            [
                r["name"],
                r["kind"],
                r["papers"],
                r.get("aliases", ""),
                r.get("url", ""),
                r["id"],
                r["title"],
                str(_introduces(r)).lower(),
            ]
            for r in rows
        ),
    )


def shared_table(rows: Sequence[Record]) -> str:
    """One line per entity: name, type, papers, who introduced it, the first titles."""
    if not rows:
        return "no entity is shared by that many papers"
    lines = []
    for group in _groups(rows, "entity"):
        introducers = [r["title"] for r in group if _introduces(r)]
        lines.append(
            [
                group[0]["name"],
                group[0]["kind"],
                group[0]["papers"],
                _titles(introducers, INTRODUCERS_PER_ROW) or "-",
                _titles([r["title"] for r in group], TITLES_PER_ROW),
            ]
        )
    names = ["ENTITY", "TYPE", "PAPERS", "INTRODUCED BY", "PAPER TITLES"]
    return table([Column(n) for n in names], lines)


def _related(rows: Sequence[Record]) -> list[tuple[Record, list[Record]]]:
    return [(group[0], group) for group in _groups(rows, "other")]


def related_json(paper: tuple[str, str], rows: Sequence[Record]) -> str:
    """``{"paper": {"title", "id"}, "related": [{"title", "id", "shared": [{"name", "type"}]}]}``
    (related papers most sharing first); ``paper`` is the (title, id) asked about."""
    return to_json(
        {
            "paper": {"title": paper[0], "id": paper[1]},
            "related": [
                {
                    "title": first["title"],
                    "id": first["id"],
                    "shared": [{"name": r["name"], "type": r["kind"]} for r in group],
                }
                for first, group in _related(rows)
            ],
        }
    )


def related_csv(paper: tuple[str, str], rows: Sequence[Record]) -> str:
    """One row per related paper: id, title, how many entities it shares, their names."""
    return to_csv(
        ["id", "title", "shared", "entities"],
        (
            [first["id"], first["title"], first["shared"], " | ".join(r["name"] for r in group)]
            for first, group in _related(rows)
        ),
    )


def related_table(paper: tuple[str, str], rows: Sequence[Record]) -> str:
    """The paper asked about, then one line per related paper."""
    head = f"{paper[0]} ({paper[1]})"
    if not rows:
        return f"{head}\nno other paper shares an entity with it"
    lines = [
        [first["shared"], shorten(first["title"], 60), ", ".join(r["name"] for r in group)]
        for first, group in _related(rows)
    ]
    return head + "\n\n" + table([Column(n) for n in ("SHARED", "PAPER", "ENTITIES")], lines)


def _links(rows: Sequence[Record]) -> list[tuple[Record, list[str]]]:
    """Each (paper, property) of an entity's rows, with its evidence sentences."""
    return [
        (group[0], [r["sentence"] for r in group if "sentence" in r])
        for group in _groups((r for r in rows if "paper" in r), "link")
    ]


def _with_link(rows: Sequence[Record]) -> list[Record]:
    return [{**r, "link": f"{r['paper']} {r['property']}"} if "paper" in r else r for r in rows]


def show_json(rows: Sequence[Record]) -> str:
    """``{"name", "type", "iri", "aliases", "url", "papers": [{"title", "id", "relation",
    "property", "sentences"}]}``."""
    first = rows[0]
    return to_json(
        {
            "name": first["name"],
            "type": first["kind"],
            "iri": first["entity"],
            "aliases": _aliases(first),
            "url": first.get("url"),
            "papers": [
                {
                    "title": link["title"],
                    "id": link["id"],
                    "relation": link["relation"],
                    "property": link["property"],
                    "sentences": sentences,
                }
                for link, sentences in _links(_with_link(rows))
            ],
        }
    )


def show_table(rows: Sequence[Record]) -> str:
    """The entity, then each paper with its relation and evidence sentences."""
    first = rows[0]
    links = _links(_with_link(rows))
    lines = [
        f"{first['name']} ({first['kind']})",
        f"iri       {first['entity']}",
        f"aliases   {', '.join(_aliases(first)) or '-'}",
        f"link      {first.get('url') or '-'}",
        f"papers    {len({link['paper'] for link, _ in links})}",
    ]
    if links:
        lines.append("")
    for link, sentences in links:
        lines.append(f"{link['relation']:<10}  {link['title']} ({link['id']})")
        lines.extend(f'            "{shorten(s, SENTENCE_WIDTH)}"' for s in sentences)
    return "\n".join(lines)


def stats_json(answer: Stats) -> str:
    """The numbers of :class:`~kgraph.questions.Stats` as one JSON object."""
    data: dict[str, Any] = asdict(answer)
    data["entities"]["total"] = sum(answer.entities.values())
    data["links"]["total"] = sum(answer.links.values())
    return to_json(data)


def stats_table(answer: Stats) -> str:
    """The numbers of :class:`~kgraph.questions.Stats`, one per line, then the most
    connected entities."""
    entities = ", ".join(f"{t} {n}" for t, n in answer.entities.items())
    links = ", ".join(f"{p} {n}" for p, n in answer.links.items())
    lines = [
        f"papers              {answer.papers}",
        f"entities            {sum(answer.entities.values())} ({entities})",
        f"links               {sum(answer.links.values())} ({links})",
        f"largest component   {answer.largest_component} nodes "
        f"({answer.largest_component_papers} papers)",
        f"papers, no entity   {answer.papers_without_entities}",
    ]
    if answer.most_connected:
        rows = [[c.name, c.type, str(c.papers)] for c in answer.most_connected]
        columns = [Column(n) for n in ("ENTITY", "TYPE", "PAPERS")]
        lines += ["", "most connected entities:", table(columns, rows)]
    return "\n".join(lines)
