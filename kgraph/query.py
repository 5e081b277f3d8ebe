"""SPARQL over a built graph: check and run a query, the shipped named queries, result formats.

A query is checked with rdflib's parser first, whichever engine answers it, so every engine
accepts the same language and a bad query fails the same way: one line with the parser's
message. Only queries run: an update (``INSERT``, ``LOAD``, ``DROP`` ...) is refused, and so are
``SERVICE`` and ``FROM``, which would make the engine fetch other graphs from files or the network.

The engines (:mod:`kgraph.store`) answer with pyoxigraph's terms whichever engine they are, so
that answers compare equal across engines and the renderers here have one kind of term to write.

The named queries are the ``.rq`` files in ``kgraph/data/queries``: plain SPARQL 1.1 over generic
predicates, so they run unchanged in any triple store. Each starts with a comment: its first line
says what the query answers, and a line ``# param ?var METAVAR [integer|iri]: help`` declares a
parameter (``[METAVAR]``: one that may be left out, and is then unbound). kgraph binds it to the
user's text as a literal (a plain one unless typed), or an IRI, never by editing the query text.
A query uses its parameters outside any sub-query and selects them, as SEP-0007 substitution
(Oxigraph's) asks.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Protocol

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from kgraph.errors import KgraphError
from kgraph.render import Column, table

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
_PARAM = re.compile(
    r"#\s*param\s+\?(?P<var>\w+)\s+(?P<metavar>\[?[A-Z][A-Z0-9_]*\]?)"
    r"(?:\s+(?P<type>integer|iri))?\s*:\s*(?P<help>.+)"
)
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = ox.NamedNode(XSD + "string")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
_NUMERIC = {ox.NamedNode(XSD + t) for t in ("integer", "decimal", "double", "float", "int", "long")}

Term = ox.NamedNode | ox.BlankNode | ox.Literal


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
    type: str = "literal"
    optional: bool = False

    def bind(self, text: str) -> Term:
        """``text`` as this parameter's term: a plain literal, an integer or an IRI."""
        if self.type == "integer":
            try:
                return ox.Literal(str(int(text)), datatype=XSD_INTEGER)
            except ValueError:
                raise QueryError(
                    f"{self.metavar.strip('[]')}: not a whole number: {text!r}"
                ) from None
        if self.type == "iri":
            try:
                return ox.NamedNode(text)
            except ValueError as exc:
                raise QueryError(
                    f"{self.metavar.strip('[]')}: not an IRI: {text!r} ({exc})"
                ) from None
        return ox.Literal(text)


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

    def bindings(self, args: Sequence[str]) -> dict[str, Term]:
        """The parameters bound to ``args``, in order; optional ones left out stay unbound.

        Examples
        --------
        >>> named_query("papers-using").bindings(["SCAN"])["name"].value
        'SCAN'
        """
        required = [p for p in self.parameters if not p.optional]
        if len(args) < len(required):
            missing = required[len(args)]
            raise QueryError(f"query {self.name} needs {missing.metavar}: {missing.help}")
        if len(args) > len(self.parameters):
            raise QueryError(
                f"query {self.name} takes {len(self.parameters)} argument(s), got {len(args)}: "
                f"kgraph query --name {self.usage}"
            )
        return {p.variable: p.bind(arg) for p, arg in zip(self.parameters, args, strict=False)}


def _read_named_query(name: str, text: str) -> NamedQuery:
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    if not header:
        raise ValueError(f"{name}{QUERY_SUFFIX} has no comment header")
    params = tuple(
        Parameter(
            m["var"],
            m["metavar"],
            m["help"].strip(),
            m["type"] or "literal",
            m["metavar"].startswith("["),
        )
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


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type's name if it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _walk(node: Any) -> Iterator[CompValue]:
    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _walk(value)


def check_query(text: str, prefixes: Mapping[str, str] | None = None) -> str:
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
        raise QueryError(f"bad query: {one_line(exc)}") from exc
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
    """What a query gave: rows for SELECT, a boolean for ASK, triples for CONSTRUCT/DESCRIBE.

    Terms are pyoxigraph's, whichever engine answered, so answers compare equal across engines.
    """

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()
    # the prefixes of the graph asked, for writing IRIs short (tables, Turtle)
    prefixes: tuple[tuple[str, str], ...] = ()

    def records(self) -> Iterator[dict[str, str]]:
        """Each row as variable -> the lexical value of its term, unbound variables left out."""
        for row in self.rows:
            yield {
                var: term.value
                for var, term in zip(self.variables, row, strict=True)
                if term is not None
            }


class Source(Protocol):
    """A graph that answers checked queries (:func:`kgraph.store.open_graph` opens one)."""

    @property
    def prefixes(self) -> Mapping[str, str]:
        """The prefixes a query may use without declaring them."""
        ...

    def triples(self) -> int:
        """How many triples the graph has."""
        ...

    def execute(self, text: str, kind: str, bindings: Mapping[str, Term]) -> Answer:
        """The answer to ``text``, already checked to be a ``kind`` query."""
        ...


def run_query(source: Source, text: str, bindings: Mapping[str, Term] | None = None) -> Answer:
    """Check ``text`` (see :func:`check_query`) and answer it on ``source``.

    ``bindings`` pre-bind variables (a named query's parameters); the query must select them.
    """
    kind = check_query(text, source.prefixes)
    try:
        return source.execute(text, kind, dict(bindings or {}))
    except KgraphError:
        raise
    except Exception as exc:  # the engines raise many types for a query that parsed but failed
        raise QueryError(f"query failed: {one_line(exc)}") from exc


# --- result formats ----------------------------------------------------------------------


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    found = {"type": "literal", "value": term.value}
    if term.language:
        found["xml:lang"] = term.language
    elif term.datatype != XSD_STRING:
        found["datatype"] = term.datatype.value
    return found


def to_json(answer: Answer, indent: int | None = 2) -> str:
    """The SPARQL 1.1 Query Results JSON of a SELECT or ASK answer."""
    if answer.kind == ASK:
        document: dict[str, Any] = {"head": {}, "boolean": answer.boolean}
    else:
        bindings = [
            {
                var: _json_term(term)
                for var, term in zip(answer.variables, row, strict=True)
                if term is not None
            }
            for row in answer.rows
        ]
        document = {"head": {"vars": list(answer.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=indent) + "\n"


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


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
    """The triples of a CONSTRUCT or DESCRIBE answer, as Turtle."""
    written = ox.serialize(
        answer.triples, format=ox.RdfFormat.TURTLE, prefixes=dict(answer.prefixes)
    )
    return (written or b"").decode("utf-8")


def _shorten(iri: str, prefixes: Sequence[tuple[str, str]]) -> str:
    for prefix, namespace in prefixes:
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and re.fullmatch(r"[\w\-.%]+", local):
            return f"{prefix}:{local}"
    return iri


def _cell(term: Term | None, prefixes: Sequence[tuple[str, str]]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return _shorten(term.value, prefixes)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return " ".join(term.value.split())


def _is_number(term: Term | None) -> bool:
    return term is None or (isinstance(term, ox.Literal) and term.datatype in _NUMERIC)


def to_table(answer: Answer, width: int = 120) -> str:
    """A SELECT answer as aligned text for people, at most ``width`` characters wide.

    IRIs are shortened with the graph's prefixes; long cells are cut with an ellipsis (an
    IRI keeps its end, the informative part); numbers are right-aligned. The last line says
    how many rows there are.
    """
    if answer.kind == ASK:
        return "true\n" if answer.boolean else "false\n"
    # the longest namespace first, so a prefix for a sub-namespace wins
    ordered = sorted(((p, ns) for p, ns in answer.prefixes if p), key=lambda x: -len(x[1]))
    cells = [[_cell(term, ordered) for term in row] for row in answer.rows]
    columns = [
        Column(
            name,
            numeric=bool(answer.rows) and all(_is_number(row[i]) for row in answer.rows),
            keep_end=any(isinstance(row[i], ox.NamedNode) for row in answer.rows),
        )
        for i, name in enumerate(answer.variables)
    ]
    count = len(cells)
    lines = table(columns, cells, width=width, rule=True)
    return lines + "\n" + (f"{count} row" if count == 1 else f"{count} rows") + "\n"
