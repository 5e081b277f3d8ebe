"""The ``kgraph`` command line.

This is the only module that turns errors into exit codes: every user-facing failure leaves
through :func:`main` as one line on stderr and exit status 2 (130 on Ctrl-C).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kgraph import __version__
from kgraph.errors import KgraphError

if TYPE_CHECKING:
    from kgraph.build import BuildOptions
    from kgraph.extract import Settings
    from kgraph.extract.distributed import Engine
    from kgraph.query import Term

# Each command imports what it needs when it runs (and its options' defaults when it is
# parsed): `kgraph --help` or `kgraph query` need not load spaCy, networkx, Starlette or Dask.

log = logging.getLogger("kgraph")

DEFAULT_INPUT = Path("seeds")
DEFAULT_OUT = Path("output")
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

Command = Callable[[argparse.Namespace], int]


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        level = "warning" if record.levelno == logging.WARNING else record.levelname.lower()
        return f"kgraph: {level}: {record.getMessage()}"


@contextlib.contextmanager
def _logging_to_stderr(quiet: bool) -> Iterator[None]:
    """Warnings and errors as "kgraph: ..." lines on stderr, for the duration of one command."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    saved = (log.handlers[:], log.level, log.propagate)
    log.handlers[:] = [handler]
    log.setLevel(logging.ERROR if quiet else logging.WARNING)
    log.propagate = False
    try:
        yield
    finally:
        log.handlers[:], level, log.propagate = saved
        log.setLevel(level)


def _settings(args: argparse.Namespace) -> Settings:
    from kgraph.extract import Settings

    return Settings(
        batch_size=args.batch_size, n_process=_at_most_cores("--processes", args.processes)
    )


def _at_most_cores(option: str, value: int) -> int:
    """``value``, or the number of CPU cores if it is more (said on stderr)."""
    from kgraph.extract import cpu_cores

    cores = cpu_cores()
    if value <= cores:
        return value
    log.warning("%s %d: this machine has %d CPU cores; using %d", option, value, cores, cores)
    return cores


def _options(args: argparse.Namespace) -> BuildOptions:
    from kgraph.build import BuildOptions, check_out
    from kgraph.export.rdf import parse_rdf_formats
    from kgraph.vocab import check_base

    return BuildOptions(
        out=check_out(args.out),
        base=check_base(args.base),
        settings=_settings(args),
        progress=not args.quiet,
        html_max_nodes=args.html_max_nodes,
        rdf_formats=parse_rdf_formats(args.rdf_format or ()),
    )


def _inputs(args: argparse.Namespace) -> list[Path]:
    return list(args.inputs) or [DEFAULT_INPUT]


def _holding_out(command: Command) -> Command:
    """``command`` run holding the lock on its ``--out`` folder: one kgraph at a time."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from kgraph.build import check_out
        from kgraph.export.lock import locked

        with locked(check_out(args.out)):
            return command(args)

    return run


@_holding_out
def cmd_build(args: argparse.Namespace) -> int:
    from kgraph.build import extract_all, write_outputs
    from kgraph.sources import iter_papers, no_papers

    started = time.perf_counter()
    options = _options(args)
    inputs = _inputs(args)
    # Streamed: extraction starts with the first file read, not after the last.
    extractions = extract_all(iter_papers(inputs, args.format, skip=options.out), options)
    if not extractions:
        raise no_papers(inputs)
    summary = write_outputs(extractions, options)
    summary.seconds = time.perf_counter() - started
    if not args.quiet:
        print("\n".join(summary.lines()))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from kgraph.build import BuildOptions
    from kgraph.sources import iter_papers, no_papers
    from kgraph.stream import NoPapers, extract_stream

    options = BuildOptions(
        settings=_settings(args), progress=not args.quiet and args.out is not None
    )
    papers = iter_papers(args.inputs, args.format)
    with _engine(args) as engine:
        try:
            count = extract_stream(
                papers, args.out, options.settings, engine=engine, progress=options.progress
            )
        except NoPapers:
            raise no_papers(args.inputs) from None
    if args.out is not None and not args.quiet:
        print(f"wrote {args.out} ({count} papers)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from kgraph import train

    gold = args.gold or train.gold_paths("dev")
    text = train.run_evaluation(
        gold, _inputs(args), args.model, args.cv, args.explain, args.json, args.format
    )
    print(text)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from kgraph import train

    out = args.out or train.DEFAULT_OUT
    gold = args.gold or train.gold_paths("train")
    model, report = train.train(gold, _inputs(args), out, fmt=args.format)
    if not args.quiet:
        print(
            f"wrote {out}: trained on {model.meta['papers']} papers (C={model.meta['C']}, "
            f"threshold {model.threshold}, overlap {model.overlap}); cross-validated:"
        )
        print(report.table())
    return 0


@_holding_out
def cmd_add(args: argparse.Namespace) -> int:
    from kgraph.build import check_not_state, grow, read_state, write_outputs
    from kgraph.sources import read_papers

    started = time.perf_counter()
    options = _options(args)
    state = read_state(options.out)
    check_not_state(args.inputs, options.out)
    papers = read_papers(args.inputs, args.format, skip=options.out)
    extractions, growth = grow(state, papers, options, update=args.update)
    summary = write_outputs(extractions, options)
    summary.seconds = time.perf_counter() - started
    if not args.quiet:
        print("\n".join(growth.lines() + summary.lines()))
    return 0


def _whole_number(message: str, lowest: int, highest: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``lowest`` to ``highest``, else ``message``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if value < lowest or (highest is not None and value > highest):
            raise argparse.ArgumentTypeError(f"{message}: {text!r}")
        return value

    return parse


_positive = _whole_number("not a positive number", 1)
_non_negative = _whole_number("not a number of processes", 0)
_port = _whole_number("not a TCP port (0 to 65535)", 0, 65535)
_node_count = _whole_number("not a number of nodes", 0)


def _max_nodes(text: str) -> int | None:
    return _node_count(text) or None


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    from kgraph.sources import READERS

    parser.add_argument(
        "--format",
        choices=sorted(READERS),
        help="read every input in this format (default: by file extension)",
    )
    parser.add_argument("--batch-size", type=_positive, default=64, help=argparse.SUPPRESS)
    parser.add_argument(
        "--processes",
        type=_non_negative,
        default=0,
        metavar="N",
        help="extraction processes (default: 0, one per CPU core for large inputs)",
    )


# --- the HTML views: `view` and --html-max-nodes -------------------------------------------
DEFAULT_GRAPH = DEFAULT_OUT / "graph.graphml"


def _add_html_options(parser: argparse.ArgumentParser) -> None:
    from kgraph.export.html import DEFAULT_MAX_NODES

    parser.add_argument(
        "--html-max-nodes",
        type=_max_nodes,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help="draw at most N nodes in an HTML view: the entities in most papers and their "
        f"papers; the page says what it left out (default: {DEFAULT_MAX_NODES}; 0: no limit)",
    )


def cmd_view(args: argparse.Namespace) -> int:
    from kgraph.export.atomic import write_text
    from kgraph.export.graphml import read_graphml
    from kgraph.export.html import render_neighbourhood

    graph = read_graphml(args.graph)
    write_text(args.out, render_neighbourhood(graph, args.entity, args.html_max_nodes))
    if not args.quiet:
        print(f"wrote {args.out}")
    return 0


def _add_view_options(view: argparse.ArgumentParser) -> None:
    view.add_argument("entity", metavar="ENTITY", help="a node id (benchmark:scan), label or alias")
    view.add_argument("--out", type=_path, required=True, metavar="FILE", help="the page to write")
    view.add_argument(
        "--graph",
        type=_path,
        default=DEFAULT_GRAPH,
        metavar="PATH",
        help=f"the GraphML that `kgraph build` wrote (default: {DEFAULT_GRAPH})",
    )
    _add_html_options(view)
    view.set_defaults(func=cmd_view)


# --- `extract --engine dask`: extraction on a Dask cluster -----------------------------------


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    from kgraph.extract.distributed import DEFAULT_SHARD_SIZE

    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="where extraction runs: this machine's processes (default) or a Dask cluster "
        "(needs kgraph[dask]; see docs/scaling.md)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the Dask scheduler to use, e.g. tcp://host:8786 "
        "(default: start a local cluster, one worker per CPU core)",
    )
    parser.add_argument(
        "--shard-size",
        type=_positive,
        metavar="N",
        help=f"with --engine dask: papers per task (default: {DEFAULT_SHARD_SIZE})",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="with --engine dask and no --scheduler: workers of the local cluster "
        "(default: one per CPU core)",
    )


def _engine(args: argparse.Namespace) -> contextlib.AbstractContextManager[Engine | None]:
    """This process (None), or a session on a Dask cluster, connected before inputs are read."""
    if args.engine == "local":
        given = [
            option
            for option, value in (
                ("--scheduler", args.scheduler),
                ("--shard-size", args.shard_size),
                ("--workers", args.workers),
            )
            if value is not None
        ]
        if given:
            raise KgraphError(f"{given[0]} needs --engine dask")
        return contextlib.nullcontext()
    from kgraph.extract.distributed import DEFAULT_SHARD_SIZE, DaskEngine

    if args.scheduler is not None and args.workers is not None:
        raise KgraphError(
            "--workers sizes a local cluster; with --scheduler the workers are the scheduler's"
        )
    return DaskEngine(
        scheduler=args.scheduler,
        shard_size=args.shard_size or DEFAULT_SHARD_SIZE,
        workers=None if args.workers is None else _at_most_cores("--workers", args.workers),
    ).connect()


# --- SPARQL: `query` and `serve` ----------------------------------------------------------


def _query_text(args: argparse.Namespace) -> tuple[str, dict[str, Term]]:
    """The SPARQL text to run and its parameter bindings, from QUERY, --file or --name."""
    from kgraph.query import named_query

    if args.name:
        named = named_query(args.name[0])
        return named.text, named.bindings(args.name[1:])
    if args.file:
        if str(args.file) == "-":
            return sys.stdin.read(), {}
        try:
            return args.file.read_text(encoding="utf-8"), {}
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise KgraphError(f"{args.file}: cannot read the query: {reason or exc}") from exc
    return args.query, {}


def cmd_query(args: argparse.Namespace) -> int:
    from kgraph.query import (
        CONSTRUCT,
        named_queries,
        run_query,
        to_csv,
        to_json,
        to_table,
        to_turtle,
    )
    from kgraph.store import open_graph

    if args.list:
        queries = named_queries().values()
        width = max(len(q.usage) for q in queries)
        for named in queries:
            print(f"{named.usage.ljust(width)}  {named.description}")
        return 0
    if args.query is None and args.file is None and args.name is None:
        raise KgraphError("give a query: QUERY, --file Q.rq, --name NAME or --list")
    text, bindings = _query_text(args)
    if args.show:
        sys.stdout.write(text)
        return 0
    answer = run_query(open_graph(args.graph, args.engine), text, bindings)
    if answer.kind == CONSTRUCT:
        if args.format not in (None, "table"):
            raise KgraphError(
                f"--format {args.format} is for SELECT and ASK: a CONSTRUCT or DESCRIBE query "
                "gives a graph, printed as Turtle"
            )
        sys.stdout.write(to_turtle(answer))
    elif args.format == "json":
        sys.stdout.write(to_json(answer))
    elif args.format == "csv":
        sys.stdout.write(to_csv(answer))
    else:
        sys.stdout.write(to_table(answer, shutil.get_terminal_size((120, 24)).columns))
    return 0


def _add_query_options(query: argparse.ArgumentParser) -> None:
    source = query.add_mutually_exclusive_group()
    source.add_argument("query", nargs="?", metavar="QUERY", help="the SPARQL query text")
    source.add_argument(
        "--file", type=_path, metavar="Q.rq", help="read the query from a file (- for stdin)"
    )
    source.add_argument(
        "--name",
        nargs="+",
        metavar=("NAME", "ARG"),
        help="run a shipped query (see --list), with its arguments",
    )
    source.add_argument(
        "--list", action="store_true", help="list the shipped queries and what they answer"
    )
    _add_graph_options(query, "to query")
    query.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        help="table for people (default), SPARQL results CSV or JSON; "
        "CONSTRUCT and DESCRIBE always print Turtle",
    )
    query.add_argument(
        "--show", action="store_true", help="print the query text instead of running it"
    )
    query.set_defaults(func=cmd_query)


def _path(text: str) -> Path:
    # Path("") is the current folder: an empty argument (a shell variable that was not set)
    # would read, or write into, whatever folder kgraph runs in
    if not text.strip():
        raise argparse.ArgumentTypeError("empty path")
    return Path(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    from kgraph.serve import serve

    # Ctrl-C: uvicorn has shut down cleanly, then passes the interrupt on; nothing to add
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.graph, args.engine, args.host, args.port, args.timeout)
    return 0


def _add_graph_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--graph`` (a build or an RDF file: ``what`` it is used for) and ``--engine``."""
    from kgraph.store import DEFAULT_GRAPH as DEFAULT_RDF
    from kgraph.store import ENGINES

    parser.add_argument(
        "--graph",
        type=_path,
        default=DEFAULT_RDF,
        metavar="PATH",
        help=f"the graph {what}: a build folder (its graph.oxigraph store), a store folder, or "
        f"an RDF file to parse (.ttl, .nt or .jsonld) (default: {DEFAULT_RDF}/)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="oxigraph: the build's store, or the file parsed into Oxigraph; rdflib: the "
        "file (a build's graph.ttl) parsed into rdflib (default: auto, the store, or by "
        "file size)",
    )


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    from kgraph.serve import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TIMEOUT

    _add_graph_options(parser, "to serve")
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"the address to listen on (default: {DEFAULT_HOST}, this machine only)",
    )
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"default: {DEFAULT_PORT}")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop a query that runs longer and answer 503 (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.set_defaults(func=cmd_serve)


# --- questions of a built graph: `shared`, `related`, `stats`, `show` -------------------------


def _question(parser: argparse.ArgumentParser, formats: Sequence[str], func: Command) -> None:
    _add_graph_options(parser, "that `kgraph build` wrote")
    parser.add_argument(
        "--format", choices=formats, default="table", help="output format (default: table)"
    )
    parser.set_defaults(func=func)


def _print(text: str) -> None:
    sys.stdout.write(text + "\n")


def cmd_shared(args: argparse.Namespace) -> int:
    from kgraph import questions, render
    from kgraph.store import open_graph

    rows = questions.shared(
        open_graph(args.graph, args.engine), args.type, args.min_papers, args.top
    )
    formats = {"table": render.shared_table, "json": render.shared_json, "csv": render.shared_csv}
    _print(formats[args.format](rows))
    return 0


def cmd_related(args: argparse.Namespace) -> int:
    from kgraph import questions, render
    from kgraph.store import open_graph

    paper, rows = questions.related(open_graph(args.graph, args.engine), args.paper, args.top)
    formats = {
        "table": render.related_table,
        "json": render.related_json,
        "csv": render.related_csv,
    }
    _print(formats[args.format]((paper.name, paper.ids[0]), rows))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from kgraph import questions, render
    from kgraph.store import open_graph

    answer = questions.stats(open_graph(args.graph, args.engine), args.top)
    _print(render.stats_json(answer) if args.format == "json" else render.stats_table(answer))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from kgraph import questions, render
    from kgraph.store import open_graph

    rows = questions.show(open_graph(args.graph, args.engine), args.entity, args.type)
    _print(render.show_json(rows) if args.format == "json" else render.show_table(rows))
    return 0


def _entity_types() -> tuple[str, ...]:
    from kgraph.model import EntityType

    return tuple(kind.value for kind in EntityType)


def _add_shared_options(shared: argparse.ArgumentParser) -> None:
    _question(shared, ("table", "json", "csv"), cmd_shared)
    shared.add_argument(
        "--type",
        choices=(*_entity_types(), "all"),
        default="all",
        help="only entities of this type (default: all)",
    )
    shared.add_argument(
        "--min-papers",
        type=_positive,
        default=2,
        metavar="N",
        help="only entities of at least N papers (default: 2)",
    )
    shared.add_argument(
        "--top", type=_positive, metavar="N", help="only the N most shared (default: all)"
    )


def _add_related_options(related: argparse.ArgumentParser) -> None:
    _question(related, ("table", "json", "csv"), cmd_related)
    related.add_argument(
        "paper", metavar="PAPER", help="a paper id, its title, or a part of one title"
    )
    related.add_argument(
        "--top", type=_positive, default=10, metavar="N", help="at most N papers (default: 10)"
    )


def _add_stats_options(stats: argparse.ArgumentParser) -> None:
    _question(stats, ("table", "json"), cmd_stats)
    stats.add_argument(
        "--top",
        type=_positive,
        default=10,
        metavar="N",
        help="list the N most connected entities (default: 10)",
    )


def _add_show_options(show: argparse.ArgumentParser) -> None:
    _question(show, ("table", "json"), cmd_show)
    show.add_argument("entity", metavar="ENTITY", help="a name or alias (any case), or an IRI")
    show.add_argument(
        "--type", choices=_entity_types(), help="the entity's type, when a name has several"
    )


# --- RDF output formats: --rdf-format ------------------------------------------------------
def _add_rdf_format_option(parser: argparse.ArgumentParser) -> None:
    from kgraph.export.rdf import RDF_FORMATS

    files = " and/or ".join(
        f"{name} ({RDF_FORMATS[name].name})" for name in RDF_FORMATS if name != "ttl"
    )
    parser.add_argument(
        "--rdf-format",
        action="append",
        metavar="FORMAT[,FORMAT]",
        help=f"also write the RDF as {files}; repeat the option or give a comma list. "
        "graph.ttl is always written, and an RDF file an earlier build left in the output "
        "folder is rewritten too. (--format names the input format, not this one.)",
    )


# --- the commands ---------------------------------------------------------------------------


def _add_build_options(build: argparse.ArgumentParser) -> None:
    from kgraph.vocab import DEFAULT_BASE

    build.add_argument(
        "inputs", nargs="*", type=_path, metavar="INPUT", help="files or folders (default: seeds/)"
    )
    build.add_argument(
        "--out", type=_path, default=DEFAULT_OUT, help="output folder (default: output/)"
    )
    build.add_argument(
        "--base", default=DEFAULT_BASE, help=f"base IRI of the RDF (default: {DEFAULT_BASE})"
    )
    _add_input_options(build)
    _add_html_options(build)
    _add_rdf_format_option(build)
    build.set_defaults(func=cmd_build)


def _add_extract_options(extract: argparse.ArgumentParser) -> None:
    extract.add_argument("inputs", nargs="+", type=_path, metavar="INPUT", help="files or folders")
    extract.add_argument("--out", type=_path, help="write JSON Lines here (default: stdout)")
    _add_input_options(extract)
    _add_engine_options(extract)
    extract.set_defaults(func=cmd_extract)


def _add_eval_options(evaluate: argparse.ArgumentParser) -> None:
    evaluate.add_argument(
        "inputs", nargs="*", type=_path, metavar="INPUT", help="files or folders (default: seeds/)"
    )
    evaluate.add_argument(
        "--gold",
        type=_path,
        action="append",
        help="gold JSON Lines, repeatable (default: the shipped dev gold, 60 seed papers)",
    )
    evaluate.add_argument("--model", type=_path, help="a trained model (default: the shipped one)")
    evaluate.add_argument(
        "--cv",
        action="store_true",
        help="also 5-fold cross-validation over the training gold and this gold"
        " (needs scikit-learn)",
    )
    evaluate.add_argument(
        "--explain", action="store_true", help="list the model's errors with their evidence"
    )
    evaluate.add_argument("--json", action="store_true", help="print the scores as JSON")
    _add_input_options(evaluate)
    evaluate.set_defaults(func=cmd_eval)


def _add_train_options(trainer: argparse.ArgumentParser) -> None:
    trainer.add_argument(
        "inputs", nargs="*", type=_path, metavar="INPUT", help="the papers' texts (default: seeds/)"
    )
    trainer.add_argument(
        "--gold",
        type=_path,
        action="append",
        help="gold JSON Lines, repeatable (default: the shipped train_a + train_b)",
    )
    trainer.add_argument(
        "--out", type=_path, help="where to write the model (default: the package's model)"
    )
    _add_input_options(trainer)
    trainer.set_defaults(func=cmd_train)


def _add_add_options(add: argparse.ArgumentParser) -> None:
    from kgraph.vocab import DEFAULT_BASE

    add.add_argument("inputs", nargs="+", type=_path, metavar="INPUT", help="files or folders")
    add.add_argument(
        "--out", type=_path, default=DEFAULT_OUT, help="the build to grow (default: output/)"
    )
    add.add_argument(
        "--base", default=DEFAULT_BASE, help="base IRI of the RDF, as given to the build"
    )
    add.add_argument(
        "--update",
        action="store_true",
        help="extract a known paper again when its abstract changed, and keep the new one",
    )
    _add_input_options(add)
    add.set_defaults(func=cmd_add)
    _add_html_options(add)
    _add_rdf_format_option(add)


# name -> (help, the function adding its options, whether --help shows the help as its
# description too); only the command being run gets its options, so only it imports anything
_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], bool]] = {
    "build": ("read inputs, extract, write all outputs", _add_build_options, False),
    "extract": ("extract entities, one JSON line per paper", _add_extract_options, False),
    "eval": ("score extraction against gold annotations", _add_eval_options, False),
    "train": (
        "train the entity model on gold annotations (needs scikit-learn)",
        _add_train_options,
        False,
    ),
    "add": (
        "add papers to an existing build without extracting the old ones again",
        _add_add_options,
        False,
    ),
    "view": ("write an HTML view of one entity's neighbourhood", _add_view_options, False),
    "query": (
        "run a SPARQL query, or a shipped one (--name), on the built graph",
        _add_query_options,
        False,
    ),
    "serve": ("answer SPARQL queries over HTTP (read-only)", _add_serve_options, False),
    "shared": (
        "entities that several papers introduce or use, most shared first, with the papers",
        _add_shared_options,
        True,
    ),
    "related": (
        "the papers sharing the most entities with a paper, and what they share",
        _add_related_options,
        True,
    ),
    "stats": (
        "papers, entities per type, links per property, most connected entities, largest component",
        _add_stats_options,
        True,
    ),
    "show": (
        "one entity: aliases, link, and every paper with its relation and evidence sentence",
        _add_show_options,
        True,
    ),
}


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The command line's parser, with the options of the command ``argv`` runs (the first
    of its words that names a command; the global options take no value)."""
    parser = argparse.ArgumentParser(
        prog="kgraph",
        description="Build a knowledge graph of papers and the benchmarks, models, methods, "
        "tasks and metrics they introduce or use, from paper abstracts.",
    )
    parser.add_argument("--version", action="version", version=f"kgraph {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = next((word for word in argv if word in _COMMANDS), None)
    for name, (help_text, add_options, described) in _COMMANDS.items():
        command = commands.add_parser(
            name, help=help_text, description=help_text if described else None
        )
        if name == wanted:
            add_options(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run kgraph with ``argv`` (default: the process arguments); return the exit status."""
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words)
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    func: Command = args.func
    with _logging_to_stderr(args.quiet):
        try:
            code = func(args)
            sys.stdout.flush()  # a full disk shows here, not as a traceback at exit
            return code
        except KgraphError as exc:
            log.error("%s", exc)
            return EXIT_USAGE
        except KeyboardInterrupt:
            log.error("interrupted; outputs already written are whole, the rest untouched")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            return 0
        except OSError as exc:  # standard output: files report their own errors
            where = exc.filename or "cannot write the output"
            log.error("%s: %s", where, exc.strerror or exc)
            _drop_stdout()
            return EXIT_USAGE


def _drop_stdout() -> None:
    """Point standard output at the null device: what it still buffers cannot be written
    either, and Python would fail again, with a traceback, writing it at exit."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
