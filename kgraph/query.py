"""SPARQL over a built graph: check and run a query, the shipped named queries, result formats.

A query is checked with rdflib's parser first, whichever store answers it, so both engines
accept the same language and a bad query fails the same way: one line with the parser's message.
Only queries run: an update (``INSERT``, ``LOAD``, ``DROP`` ...) is refused, and so are
``SERVICE`` and ``FROM``, which would make the engine fetch other graphs from files or the network.

The named queries are the ``.rq`` files in ``kgraph/data/queries``: plain SPARQL 1.1 over generic
predicates, so they run unchanged in any triple store. Each starts with a comment: its first line
says what the query answers, and a line ``# param ?var METAVAR: help`` declares a parameter, which
kgraph binds to the user's text as a plain literal (rdflib's ``initBindings``, Oxigraph's
substitutions), never by editing the query text.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from pyparsing import ParseBaseException
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Identifier, Node

from kgraph.errors import KgraphError

QUERY_SUFFIX = ".rq"
SELECT, ASK, CONSTRUCT = "SELECT", "ASK", "CONSTRUCT"
# rdflib's algebra name -> the kind of answer; a DESCRIBE answers with a graph, like CONSTRUCT
_KINDS = {
    "SelectQuery": SELECT,
    "AskQuery": ASK,
    "ConstructQuery": CONSTRUCT,
    "DescribeQuery": CONSTRUCT,
}
_UPDATE_START = re.compile(
    r"(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*"
    r"(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.IGNORECASE,
)
_PARAM = re.compile(r"#\s*param\s+\?(?P<var>\w+)\s+(?P<metavar>[A-Z][A-Z0-9_]*)\s*:\s*(?P<help>.+)")
_NUMERIC = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long}
# table layout: the narrowest a column is cut to, and the gap between columns
MIN_COLUMN = 12
GAP = "  "


class QueryError(KgraphError):
    """The query text is wrong, or asks for something kgraph does not run."""


class UpdateRefused(QueryError):
    """The text is a SPARQL update: kgraph's graph is read-only."""


# --- the named queries -------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A variable of a named query that the user's text fills in."""

    variable: str
    metavar: str
    help: str


@dataclass(frozen=True)
class NamedQuery:
    """A shipped ``.rq`` file: its name, one-line description, parameters and SPARQL text."""

    name: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str

    @property
    def usage(self) -> str:
        """The name and the parameters' metavars, as typed after ``--name``."""
        return " ".join([self.name, *(p.metavar for p in self.parameters)])

    def bindings(self, args: Sequence[str]) -> dict[str, Identifier]:
        """The parameters bound to ``args``, each as a plain literal.

        Examples
        --------
        >>> named_query("papers-using").bindings(["SCAN"])
        {'name': rdflib.term.Literal('SCAN')}
        """
        if len(args) < len(self.parameters):
            missing = self.parameters[len(args)]
            raise QueryError(f"query {self.name} needs {missing.metavar}: {missing.help}")
        if len(args) > len(self.parameters):
            raise QueryError(
                f"query {self.name} takes {len(self.parameters)} argument(s), got {len(args)}: "
                f"kgraph query --name {self.usage}"
            )
        return {p.variable: Literal(arg) for p, arg in zip(self.parameters, args, strict=True)}


def _read_named_query(name: str, text: str) -> NamedQuery:
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    if not header:
        raise ValueError(f"{name}{QUERY_SUFFIX} has no comment header")
    params = tuple(
        Parameter(m["var"], m["metavar"], m["help"].strip())
        for m in map(_PARAM.fullmatch, header)
        if m
    )
    return NamedQuery(name, header[0].lstrip("# ").strip(), params, text)


@functools.cache
def named_queries() -> dict[str, NamedQuery]:
    """Every shipped query by name, in name order."""
    folder = files("kgraph") / "data" / "queries"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(QUERY_SUFFIX):
            name = entry.name.removesuffix(QUERY_SUFFIX)
            found[name] = _read_named_query(name, entry.read_text(encoding="utf-8"))
    return found


def named_query(name: str) -> NamedQuery:
    """The shipped query called ``name``; a one-line error naming them all if there is none."""
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"no query named {name!r}: the shipped queries are {', '.join(queries)}")
    return queries[name]


# --- checking and running ----------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _walk(node: Any) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _walk(value)


def check_query(text: str, prefixes: Mapping[str, Any] | None = None) -> str:
    """The kind of answer ``text`` gives (``SELECT``, ``ASK`` or ``CONSTRUCT``), once it is
    known to be a query kgraph runs.

    ``prefixes`` are the ones the query may use without declaring them (the graph's).
    Raises :class:`UpdateRefused` for an update and :class:`QueryError` for anything else wrong.

    Examples
    --------
    >>> check_query("ASK { ?s ?p ?o }")
    'ASK'
    >>> check_query("DROP ALL")
    Traceback (most recent call last):
    ...
    kgraph.query.UpdateRefused: DROP ALL: an update, and the graph is read-only: only queries run
    >>> check_query("  ")
    Traceback (most recent call last):
    ...
    kgraph.query.QueryError: empty query
    """
    if not text.strip():  # (rdflib's parser reads an empty text as an empty update)
        raise QueryError("empty query")
    try:
        algebra = translateQuery(parseQuery(text), initNs=dict(prefixes or {})).algebra
    except Exception as exc:  # pyparsing's errors, and rdflib's plain Exception for a bad prefix
        if _is_update(text):
            start = " ".join(text.split())[:40]
            raise UpdateRefused(
                f"{start}: an update, and the graph is read-only: only queries run"
            ) from exc
        raise QueryError(f"bad query: {_one_line(exc)}") from exc
    if algebra.get("datasetClause"):
        raise QueryError("FROM and FROM NAMED are not supported: kgraph queries the one graph")
    if any(part.name == "ServiceGraphPattern" for part in _walk(algebra)):
        raise QueryError("SERVICE is not supported: kgraph queries the one graph")
    return _KINDS[algebra.name]


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except ParseBaseException:
        body = re.sub(r"#[^\n]*", " ", text).strip()
        return _UPDATE_START.match(body) is not None
    return True


@dataclass(frozen=True)
class Answer:
    """What a query gave: rows for SELECT, a boolean for ASK, a graph for CONSTRUCT/DESCRIBE.

    Literals typed ``xsd:string`` are plain literals here (RDF 1.1 says they are the same;
    Oxigraph types them, rdflib does not), so both engines give equal answers.
    """

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Node | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = None


def _plain(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def run_query(graph: Graph, text: str, bindings: Mapping[str, Identifier] | None = None) -> Answer:
    """Check ``text`` (see :func:`check_query`) and answer it on ``graph``.

    ``bindings`` pre-bind variables (a named query's parameters); the query must select them.
    """
    kind = check_query(text, dict(graph.namespaces()))
    try:
        result = graph.query(text, initBindings=dict(bindings or {}))
        if kind == ASK:
            return Answer(ASK, boolean=bool(result.askAnswer))
        if kind == CONSTRUCT:
            found = Graph()
            for prefix, namespace in graph.namespaces():
                found.bind(prefix, namespace)
            for s, p, o in result.graph or ():
                found.add((s, p, _plain(o)))
            return Answer(CONSTRUCT, graph=found)
        variables = tuple(str(v) for v in result.vars or ())
        rows = tuple(
            tuple(None if term is None else _plain(term) for term in row)  # type: ignore[union-attr]
            for row in result
        )
        return Answer(SELECT, variables, rows)
    except KgraphError:
        raise
    except Exception as exc:  # the engines raise many types for a query that parsed but failed
        raise QueryError(f"query failed: {_one_line(exc)}") from exc


# --- result formats ----------------------------------------------------------------------


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        found = {"type": "literal", "value": str(term)}
        if term.language:
            found["xml:lang"] = term.language
        elif term.datatype is not None and term.datatype != XSD.string:
            found["datatype"] = str(term.datatype)
        return found
    raise QueryError(f"cannot write {term!r} in SPARQL results")


def to_json(answer: Answer, indent: int | None = 2) -> str:
    """The SPARQL 1.1 Query Results JSON of a SELECT or ASK answer."""
    if answer.kind == ASK:
        document: dict[str, Any] = {"head": {}, "boolean": answer.boolean}
    else:
        bindings = [
            {var: _json_term(term) for var, term in zip(answer.variables, row, strict=True) if term}
            for row in answer.rows
        ]
        document = {"head": {"vars": list(answer.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=indent) + "\n"


def _csv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def to_csv(answer: Answer) -> str:
    """The SPARQL 1.1 Query Results CSV of a SELECT answer (ASK: ``true`` or ``false``)."""
    if answer.kind == ASK:
        return "true\r\n" if answer.boolean else "false\r\n"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(answer.variables)
    writer.writerows([_csv_term(term) for term in row] for row in answer.rows)
    return out.getvalue()


def to_turtle(answer: Answer) -> str:
    """The graph of a CONSTRUCT or DESCRIBE answer, as Turtle."""
    return (answer.graph or Graph()).serialize(format="turtle")


def _shorten(iri: str, prefixes: Sequence[tuple[str, str]]) -> str:
    for prefix, namespace in prefixes:
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and re.fullmatch(r"[\w\-.%]+", local):
            return f"{prefix}:{local}"
    return iri


def _cell(term: Node | None, prefixes: Sequence[tuple[str, str]]) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return _shorten(str(term), prefixes)
    if isinstance(term, BNode):
        return f"_:{term}"
    return " ".join(str(term).split())


def _is_number(term: Node) -> bool:
    return isinstance(term, Literal) and term.datatype in _NUMERIC


def _fit(widths: list[int], total: int, iris: Sequence[bool]) -> list[int]:
    """Narrow the widest columns until the table fits in ``total`` characters; columns of IRIs
    count double, so they give way before names and titles."""
    widths = list(widths)
    while sum(widths) + len(GAP) * (len(widths) - 1) > total:
        widest = max(range(len(widths)), key=lambda i: widths[i] * (1 + iris[i]))
        if widths[widest] <= MIN_COLUMN:
            break
        widths[widest] -= 1
    return widths


def _clip(text: str, width: int, keep_end: bool = False) -> str:
    """``text`` cut to ``width`` with an ellipsis; an IRI keeps its end, the informative part."""
    if len(text) <= width:
        return text
    return "…" + text[1 - width :] if keep_end else text[: width - 1] + "…"


def to_table(answer: Answer, prefixes: Iterable[tuple[str, Node]] = (), width: int = 120) -> str:
    """A SELECT answer as aligned text for people, at most ``width`` characters wide.

    IRIs are shortened with ``prefixes``; long cells are cut with an ellipsis; numbers are
    right-aligned. The last line says how many rows there are.
    """
    if answer.kind == ASK:
        return "true\n" if answer.boolean else "false\n"
    # the longest namespace first, so a prefix for a sub-namespace wins
    ordered = sorted(((p, str(ns)) for p, ns in prefixes if p), key=lambda x: -len(x[1]))
    cells = [[_cell(term, ordered) for term in row] for row in answer.rows]
    header = list(answer.variables)
    natural = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(header)]
    iris = [
        any(isinstance(term, URIRef) for term in column)
        for column in zip(*answer.rows, strict=True)
    ] or [False] * len(header)
    widths = _fit(natural, width, iris)
    numeric = [
        bool(answer.rows) and all(term is None or _is_number(term) for term in column)
        for column in zip(*answer.rows, strict=True)
    ] or [False] * len(header)

    def line(values: Sequence[str], terms: Sequence[Node | None]) -> str:
        parts = []
        for value, term, w, num in zip(values, terms, widths, numeric, strict=True):
            text = _clip(value, w, keep_end=isinstance(term, URIRef))
            parts.append(text.rjust(w) if num else text.ljust(w))
        return GAP.join(parts).rstrip()

    count = len(cells)
    lines = [line(header, [None] * len(header)), GAP.join("-" * w for w in widths)]
    lines += [line(row, terms) for row, terms in zip(cells, answer.rows, strict=True)]
    lines.append(f"{count} row" if count == 1 else f"{count} rows")
    return "\n".join(lines) + "\n"
