"""Output safety (issue 9): what kgraph writes is valid, whole, reproducible, and only its own.

- Valid: whatever the input (every file in tests/data/bad/, a page of titles full of markup,
  quotes and control characters), graph.ttl parses in rdflib and Oxigraph, graph.graphml in
  networkx, entities.jsonl line by line, and the HTML holds the input as data, never as markup
  (tests/test_browser.py checks the same page in a real browser).
- Whole: a build killed while writing (SIGKILL, or Ctrl-C: SIGINT to the process group) leaves
  each output either as the previous build wrote it or as the new build writes it; the
  temporary file a SIGKILL leaves behind is removed by the next build.
- Reproducible: the same input gives the same bytes, whatever PYTHONHASHSEED.
- Its own: ``--out`` replaces kgraph's five outputs and never removes or changes anything else.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph
import pytest
import rdflib
from rdflib.namespace import DCTERMS

import kgraph.build
from kgraph.build import (
    BENCHMARKS_HTML_FILE,
    ENTITIES_FILE,
    GRAPHML_FILE,
    HTML_FILE,
    TURTLE_FILE,
)
from kgraph.cli import main
from kgraph.errors import KgraphError
from kgraph.export.atomic import atomic_path, remove_stale, temp_owner
from kgraph.interrupts import deferred_interrupts
from kgraph.model import normalise_title
from kgraph.sources import read_file
from kgraph.store import STORE_DIR

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
SEEDS = ROOT / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
OUTPUTS = (ENTITIES_FILE, TURTLE_FILE, GRAPHML_FILE, HTML_FILE, BENCHMARKS_HTML_FILE)
# Characters RFC 3987 does not allow anywhere in an IRI (besides controls and spaces).
IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f]')
IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
KILL_TIMEOUT = 180.0

MARKUP_PAGE = (
    "Get trending papers in your email inbox!\n"
    "<script>alert('title')</script> Attacks: \"Quotes\" & 'Apostrophes' in Titles\n"
    "We evaluate </script><!-- on the <b>SCAN</b> benchmark & report BLEU. We introduce "
    'Q<A>-Net{1}, a model trained on "My|Bench" and ]]> data.\n'
    "Line\u2028Separators and Paragraph\u2029Separators: A Study\n"
    "We propose Sep\u2028Net, a method. We evaluate on GSM8K and MATH with accuracy.\n"
    "Escape\x1b[31m Codes, Bells\x07 and \\Backslashes\\ in {Braces} | Pipes ^ `Ticks`\n"
    "We introduce the Back\\Slash-7B model. We evaluate it on the C&C <i>Bench</i> dataset.\n"
)


def build(inputs: list[Path], out: Path, *extra: str) -> int:
    return main(["-q", "build", *(str(p) for p in inputs), "--out", str(out), *extra])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by relative path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


# --- valid outputs ----------------------------------------------------------------------------


class _Tags(HTMLParser):
    """The start tags of a page, and the text of its JSON data element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.data: list[str] = []
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_data = tag == "script" and ("id", "kgraph-data") in attrs

    def handle_endtag(self, tag: str) -> None:
        self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data.append(data)


def template_tags() -> set[str]:
    text = (resources.files("kgraph") / "data" / "html" / "view.html").read_text("utf-8")
    return {tag.lower() for tag in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", text)}


def check_page(path: Path, titles: set[str]) -> None:
    """The page has only its template's elements, and carries every title as data."""
    page = path.read_text("utf-8")
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert set(parser.tags) <= template_tags(), path
    assert parser.tags.count("script") == 3, "data, vis-network, kgraph's own"
    nodes = json.loads("".join(parser.data))["nodes"]
    shown = {n.get("name", n["label"]) for n in nodes if n["group"] == "paper"}
    assert shown == titles
    for title in titles:
        if "<" in title:
            assert title not in page


def check_iris(rdf: rdflib.Graph) -> None:
    terms = {term for triple in rdf for term in triple if isinstance(term, rdflib.URIRef)}
    terms |= {t.datatype for t in rdf.objects() if isinstance(t, rdflib.Literal) and t.datatype}
    bad = sorted(str(t) for t in terms if IRI_FORBIDDEN.search(t) or not IRI_SCHEME.match(t))
    assert not bad


def check_outputs(out: Path) -> list[dict[str, Any]]:
    """Every output of the build in ``out`` is valid in its format; returns the records."""
    lines = (out / ENTITIES_FILE).read_text("utf-8").split("\n")
    assert lines[-1] == ""
    records = [json.loads(line) for line in lines[:-1]]
    titles = {str(r["title"]) for r in records}
    assert records
    assert all(title.strip() for title in titles)

    turtle = (out / TURTLE_FILE).read_bytes()
    rdf = rdflib.Graph().parse(data=turtle, format="turtle")
    quads = list(pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) == len(rdf) > 0
    assert {str(t) for t in rdf.objects(None, DCTERMS.title)} == titles
    check_iris(rdf)

    graph = nx.read_graphml(out / GRAPHML_FILE)
    assert {d["title"] for _, d in graph.nodes(data=True) if d["kind"] == "paper"} == titles

    check_page(out / HTML_FILE, titles)
    return records


BAD_FILES = sorted(p.name for p in BAD.iterdir())


@pytest.mark.parametrize("name", BAD_FILES)
def test_every_bad_file_gives_valid_outputs_or_none(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = build([BAD / name], out)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 2:  # nothing to build: one line, nothing written
        assert err.splitlines()[-1].startswith("kgraph: error: no papers found")
        assert not out.exists()
        return
    assert code == 0
    check_outputs(out)


def test_all_bad_files_at_once_give_valid_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build([BAD], out) == 0
    records = check_outputs(out)
    # the run goes on past the files that yield nothing: every paper of the others is there
    keys = {paper.key for path in sorted(BAD.iterdir()) for paper in read_file(path)}
    assert {normalise_title(str(r["title"])) for r in records} == keys


def test_markup_quotes_and_controls_in_titles_stay_text(tmp_path: Path) -> None:
    page = tmp_path / "markup.txt"
    page.write_text(MARKUP_PAGE, encoding="utf-8")
    out = tmp_path / "out"
    assert build([page], out) == 0
    records = check_outputs(out)
    titles = [str(r["title"]) for r in records]
    assert titles == [
        "<script>alert('title')</script> Attacks: \"Quotes\" & 'Apostrophes' in Titles",
        "Line\u2028Separators and Paragraph\u2029Separators: A Study",
        "Escape[31m Codes, Bells and \\Backslashes\\ in {Braces} | Pipes ^ `Ticks`",
    ]
    html = (out / HTML_FILE).read_text("utf-8")
    assert "<script>alert" not in html
    assert "\u2028" not in html, "a raw line separator ends a JavaScript string in old engines"
    assert "\x1b" not in (out / TURTLE_FILE).read_text("utf-8")


def test_controls_and_surrogates_escaped_in_json_are_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Decoding drops control characters from a file's text, but a JSON escape makes them
    again: a NUL made graph.graphml unreadable XML, an unpaired surrogate crashed spaCy."""
    record = {
        "title": "Null\u0000 Escape\u001b[31m and Half\ud800 Pairs: \u202eA Study",
        "abstract": "We propose X\u0007Net. It works on \ufffeSCAN.",
        "authors": ["Ann\u0000 Lee", "Bob\udcff"],
        "id": "x\u0001",
    }
    page = tmp_path / "records.json"
    page.write_text(json.dumps([record]), encoding="ascii")
    out = tmp_path / "out"
    code = main(["build", str(page), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"{page}:1: dropped 9 control or invisible characters" in err
    (paper,) = check_outputs(out)
    assert paper["title"] == "Null Escape[31m and Half Pairs: A Study"
    assert paper["metadata"] == {"id": "x", "authors": ["Ann Lee", "Bob"]}


def test_file_names_that_are_not_utf8_or_hold_controls(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copyfile(BAD / "crlf.txt", os.fsdecode(bytes(inputs) + b"/bad\xffname.txt"))
    shutil.copyfile(BAD / "truncated.txt", inputs / "esc\x1b[31m.txt")
    out = tmp_path / "out"
    assert build([inputs], out) == 0
    sources = {s["path"] for r in check_outputs(out) for s in r["sources"]}
    assert sources == {f"{inputs}/bad\ufffdname.txt", f"{inputs}/esc\ufffd[31m.txt"}


# --- atomic writes ----------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    target.write_text("old")

    def crash_midway() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        crash_midway()
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_stale_temporaries_of_dead_processes_only_are_removed(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    dead = int(gone.stdout)
    target = tmp_path / "graph.ttl"
    stale = tmp_path / f".graph.ttl.kgraph-{dead}-abcd_123.tmp"
    kept = [
        tmp_path / ".graph.ttl.kgraph-1-abcd_123.tmp",  # pid 1 runs: a concurrent build
        tmp_path / f".graph.html.kgraph-{dead}-abcd_123.tmp",  # another target's
        tmp_path / f".graph.ttl.kgraph-{dead}-abcd_123.tmp.bak",
        tmp_path / f"graph.ttl.kgraph-{dead}-abcd_123.tmp",
        tmp_path / f".graph.ttl.{dead}-abcd_123.tmp",
        tmp_path / ".graph.ttl.kgraph-notes.tmp",
    ]
    for path in [stale, *kept]:
        path.write_text("x")
    assert remove_stale(target) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in kept)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of two seed pages, the second written first (its listing order is not sorted)."""
    folder = tmp_path_factory.mktemp("corpus")
    for name, seed in (("b.txt", SEED_FILES[2]), ("a.txt", SEED_FILES[1])):
        shutil.copyfile(seed, folder / name)
    return folder


@pytest.fixture(scope="module")
def prior(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The outputs of an earlier build, of another seed page."""
    out = tmp_path_factory.mktemp("prior")
    assert build(SEED_FILES[:1], out) == 0
    return outputs(out)


def subprocess_build(inputs: Path, out: Path, seed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    command = [sys.executable, "-m", "kgraph", "-q", "build", str(inputs), "--out", str(out)]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> dict[str, bytes]:
    """The outputs of a build of the corpus in a fresh process (PYTHONHASHSEED=1)."""
    out = tmp_path_factory.mktemp("new")
    done = subprocess_build(corpus, out, "1")
    assert done.returncode == 0, done.stderr
    return outputs(out)


@pytest.fixture
def prior_out(tmp_path: Path, prior: dict[str, bytes]) -> Iterator[Path]:
    """An --out folder holding the prior build and a file of the user's."""
    out = tmp_path / "out"
    out.mkdir()
    for name, data in prior.items():
        (out / name).write_bytes(data)
    (out / "notes.txt").write_text("mine")
    yield out
    assert (out / "notes.txt").read_text() == "mine"


def start_killable_build(inputs: Path, out: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "kgraph", "build", str(inputs), "--out", str(out)]
    # a session of its own: the SIGINT of a Ctrl-C goes to its whole process group, not pytest
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_until_writing(process: subprocess.Popen[str], target: Path) -> None:
    """Return as soon as ``process`` has a temporary file of ``target`` open."""
    deadline = time.monotonic() + KILL_TIMEOUT
    prefix = f".{target.name}.kgraph-{process.pid}-"
    while time.monotonic() < deadline:
        if any(p.name.startswith(prefix) for p in target.parent.iterdir()):
            return
        if process.poll() is not None:
            pytest.fail(f"the build ended before it wrote {target.name}: {process.stderr}")
        time.sleep(0.001)
    process.kill()
    pytest.fail(f"no temporary file of {target.name} in {KILL_TIMEOUT} s")


def test_sigkill_while_writing_leaves_old_or_new_files_and_the_next_build_cleans_up(
    corpus: Path, prior_out: Path, prior: dict[str, bytes], corpus_build: dict[str, bytes]
) -> None:
    assert prior != corpus_build
    process = start_killable_build(corpus, prior_out)
    wait_until_writing(process, prior_out / TURTLE_FILE)
    process.kill()
    process.communicate()
    assert process.returncode == -signal.SIGKILL
    after = outputs(prior_out)
    for name in OUTPUTS:
        assert after[name] in (prior[name], corpus_build[name]), name
    left = [p for p in prior_out.iterdir() if temp_owner(p.name, prior_out / TURTLE_FILE)]
    assert len(left) == 1, "killed while writing graph.ttl: its temporary file is left"
    assert after[TURTLE_FILE] == prior[TURTLE_FILE], "and graph.ttl is still the old one"
    lock = prior_out / ".kgraph.lock"
    assert lock.read_text() == f"{process.pid}\n", "and its lock file, naming a dead process"

    concurrent = prior_out / ".graph.ttl.kgraph-1-abcdefgh.tmp"  # pid 1 is running
    concurrent.write_text("another build's")
    assert build([BAD / "truncated.txt"], prior_out) == 0
    assert not left[0].exists()
    assert not lock.exists(), "the next build took the lock over, and left none"
    assert concurrent.read_text() == "another build's"
    check_outputs(prior_out)


def test_ctrl_c_while_writing_exits_130_with_one_line_and_whole_files(
    corpus: Path, prior_out: Path, prior: dict[str, bytes], corpus_build: dict[str, bytes]
) -> None:
    process = start_killable_build(corpus, prior_out)
    wait_until_writing(process, prior_out / GRAPHML_FILE)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    stdout, stderr = process.communicate(timeout=KILL_TIMEOUT)
    assert process.returncode == 130
    assert stdout == ""
    assert stderr.splitlines() == [
        "kgraph: error: interrupted; outputs already written are whole, the rest untouched"
    ]
    after = outputs(prior_out)
    for name in OUTPUTS:
        assert after[name] in (prior[name], corpus_build[name]), name
    assert sorted(p.name for p in prior_out.iterdir()) == sorted([*OUTPUTS, "notes.txt"])


@pytest.mark.parametrize("in_workers", [False, True])
def test_a_build_failing_part_way_leaves_every_output_as_it_was(
    corpus: Path,
    prior_out: Path,
    prior: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    in_workers: bool,
) -> None:
    # the disk filled up at graph.html: graph.ttl and graph.graphml were new, the rest old
    def full_disk(graph: nx.MultiDiGraph, target: Path, **options: Any) -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half a page")
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kgraph.build, "write_html", full_disk)
    if in_workers:
        monkeypatch.setattr(kgraph.build, "PARALLEL_EXPORT_MIN_PAPERS", 1)
    assert build([corpus], prior_out) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"kgraph: error: {prior_out / HTML_FILE}: cannot write (No space left on device)"
    ]
    assert outputs(prior_out) == prior
    assert sorted(p.name for p in prior_out.iterdir()) == sorted([*OUTPUTS, "notes.txt"])


def test_outputs_are_renamed_into_place_together_once_all_are_written(
    corpus: Path,
    prior_out: Path,
    prior: dict[str, bytes],
    corpus_build: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    on_disk = []
    real = kgraph.build.write_jsonl

    def look_then_write(extractions: Any, target: Path) -> None:  # the last writer
        on_disk.append(outputs(prior_out))
        real(extractions, target)

    monkeypatch.setattr(kgraph.build, "write_jsonl", look_then_write)
    assert build([corpus], prior_out) == 0
    assert on_disk == [prior], "while the last output was written, the old set was in place"
    assert outputs(prior_out) == corpus_build


def test_an_output_name_taken_by_a_folder_fails_before_any_output_is_replaced(
    corpus: Path, prior_out: Path, prior: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    (prior_out / BENCHMARKS_HTML_FILE).unlink()
    (prior_out / BENCHMARKS_HTML_FILE).mkdir()
    assert build([corpus], prior_out) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"kgraph: error: {prior_out / BENCHMARKS_HTML_FILE}: cannot write (a folder is there)"
    ]
    assert {name: data for name, data in prior.items() if name != BENCHMARKS_HTML_FILE} == {
        name: (prior_out / name).read_bytes() for name in OUTPUTS if name != BENCHMARKS_HTML_FILE
    }
    assert sorted(p.name for p in prior_out.iterdir()) == sorted([*OUTPUTS, "notes.txt"])


def test_ctrl_c_while_the_temporary_file_is_made_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = []

    def mkstemp_then_ctrl_c(**kwargs: Any) -> tuple[int, str]:
        made.append(real_mkstemp(**kwargs))
        os.kill(os.getpid(), signal.SIGINT)  # lands before mkstemp returns the name
        return made[-1]

    real_mkstemp = tempfile.mkstemp
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "graph.ttl"):
        made.append("the block ran")
    assert len(made) == 1, "the interrupt came before the block"
    assert list(tmp_path.iterdir()) == [], "the temporary file was removed"


def test_where_ctrl_c_is_ignored_a_deferred_block_leaves_it_ignored() -> None:
    # as in the build's writer processes: noting a Ctrl-C there raised it in the worker
    # afterwards, which printed "Process ForkPoolWorker-N:" and a traceback
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with deferred_interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def _ctrl_c_then_fail() -> None:
    with deferred_interrupts():
        os.kill(os.getpid(), signal.SIGINT)
        raise KgraphError("out: cannot write here (No space left on device)")


def test_a_ctrl_c_noted_in_a_block_that_fails_is_still_a_ctrl_c() -> None:
    # exit status 130 (interrupted), not 2 (the block's error)
    with pytest.raises(KeyboardInterrupt) as raised:
        _ctrl_c_then_fail()
    assert isinstance(raised.value.__context__, KgraphError)


# Run in a fresh interpreter: whether Ctrl-C is deferred at the moment lxml.etree is imported.
LXML_IMPORT_PROBE = """
import json, signal, sys
from pathlib import Path
import networkx as nx
from kgraph.export.graphml import write_graphml

class Probe:
    seen = []
    def find_spec(self, name, path=None, target=None):
        if name == "lxml.etree":
            handler = signal.getsignal(signal.SIGINT)
            self.seen.append(handler in (signal.default_int_handler, signal.SIG_IGN))
        return None

signal.signal(signal.SIGINT, signal.default_int_handler)

assert "lxml.etree" not in sys.modules
sys.meta_path.insert(0, Probe())
write_graphml(nx.MultiDiGraph([("a", "b")]), Path(sys.argv[1]))
print(json.dumps(Probe.seen))
"""


def test_ctrl_c_is_not_lost_in_lxml_import_during_graphml_write(tmp_path: Path) -> None:
    # A Ctrl-C that lands while lxml.etree is being imported is swallowed by its compiled
    # initialisation (or turns into an ImportError): the build then ran on to the end and
    # exited 0. networkx imports lxml lazily, in the middle of writing graph.graphml.
    command = [sys.executable, "-c", LXML_IMPORT_PROBE, str(tmp_path / "g.graphml")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [False], "lxml is imported with Ctrl-C only noted"
    assert nx.read_graphml(tmp_path / "g.graphml").number_of_edges() == 1


def test_pages_take_vis_network_from_pyvis_without_importing_it(tmp_path: Path) -> None:
    # pyvis' import pulls in IPython and YAML's compiled module: 0.1 s, and one more place
    # where a Ctrl-C can be lost
    script = (
        "import sys; from pathlib import Path; import networkx as nx; "
        "from kgraph.export.html import write_html; "
        "g = nx.MultiDiGraph(); g.add_node('p', kind='paper', label='A paper'); "
        "write_html(g, Path(sys.argv[1]), 100); print('pyvis' in sys.modules)"
    )
    page = tmp_path / "graph.html"
    done = subprocess.run(
        [sys.executable, "-c", script, str(page)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    assert "vis.Network" in page.read_text(encoding="utf-8")


def _children(pid: int) -> list[str]:
    try:
        return [
            child
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except FileNotFoundError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_during_parallel_extraction_prints_one_line_not_the_workers_tracebacks(
    tmp_path: Path, seed_papers: list[Any]
) -> None:
    # Ctrl-C reaches the whole process group: the worker processes too. Before the fix each
    # worker printed "Process ForkPoolWorker-N:" and a traceback.
    papers = tmp_path / "papers.jsonl"
    with papers.open("w", encoding="utf-8") as handle:
        for copy in range(8):
            for paper in seed_papers:
                record = {"title": f"{paper.title} ({copy})", "abstract": paper.abstract}
                handle.write(json.dumps(record) + "\n")
    out = tmp_path / "x.jsonl"
    out.write_text("what the user had\n")
    command = [sys.executable, "-m", "kgraph", "extract", str(papers), "--processes", "2"]
    process = subprocess.Popen(
        [*command, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + KILL_TIMEOUT
    while len(_children(process.pid)) < 2 and process.poll() is None:
        assert time.monotonic() < deadline, "no worker processes started"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    # communicate() returns once nothing holds the pipes: no worker was left running (a
    # Ctrl-C while the pool started used to orphan its workers, and this waited forever).
    _, stderr = process.communicate(timeout=KILL_TIMEOUT)
    assert process.returncode == 130
    assert stderr.splitlines() == [
        "kgraph: error: interrupted; outputs already written are whole, the rest untouched"
    ]
    assert out.read_text() == "what the user had\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers.jsonl", "x.jsonl"]


# --- determinism ------------------------------------------------------------------------------


def test_builds_are_byte_identical_across_processes_and_hash_seeds(
    tmp_path: Path, corpus: Path, corpus_build: dict[str, bytes]
) -> None:
    done = subprocess_build(corpus, tmp_path, "2")
    assert done.returncode == 0, done.stderr
    assert outputs(tmp_path) == corpus_build


def test_a_folder_builds_as_its_files_in_sorted_order(
    tmp_path: Path, corpus: Path, corpus_build: dict[str, bytes]
) -> None:
    assert build([corpus / "a.txt", corpus / "b.txt"], tmp_path) == 0
    assert outputs(tmp_path) == corpus_build


def test_input_order_changes_only_the_order_of_papers(
    tmp_path: Path, corpus: Path, corpus_build: dict[str, bytes]
) -> None:
    """Files named on the command line are read in the order given: entities.jsonl and
    graph.graphml list papers (and a paper's sources) in that order, and a paper listed twice
    keeps its first abstract. The RDF and the pages depend on the content only."""
    assert build([corpus / "b.txt", corpus / "a.txt"], tmp_path) == 0
    after = outputs(tmp_path)
    for name in (TURTLE_FILE, HTML_FILE, BENCHMARKS_HTML_FILE):
        assert after[name] == corpus_build[name], name
    reversed_ids = [json.loads(line)["id"] for line in after[ENTITIES_FILE].splitlines()]
    sorted_ids = [json.loads(line)["id"] for line in corpus_build[ENTITIES_FILE].splitlines()]
    assert reversed_ids != sorted_ids
    assert sorted(reversed_ids) == sorted(sorted_ids)


# --- one kgraph at a time writes an --out folder -----------------------------------------------

HOLD_LOCK = """
import sys
from pathlib import Path
from kgraph.export.lock import locked
with locked(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.read()
"""


@pytest.mark.parametrize("command", ["build", "add"])
def test_a_second_kgraph_writing_the_same_out_is_one_line_and_exit_2(
    command: str, prior_out: Path, prior: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    # both exited 0, and an interleaving could leave files from both builds
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(prior_out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        assert main([command, str(BAD / "truncated.txt"), "--out", str(prior_out)]) == 2
        assert capsys.readouterr().err.splitlines() == [
            f"kgraph: error: {prior_out}/ is being written by another kgraph, pid {holder.pid}"
        ]
        assert outputs(prior_out) == prior
    finally:
        holder.communicate("", timeout=KILL_TIMEOUT)
    assert main(["-q", command, str(BAD / "truncated.txt"), "--out", str(prior_out)]) == 0
    assert sorted(p.name for p in prior_out.iterdir()) == sorted([*OUTPUTS, STORE_DIR, "notes.txt"])


def test_a_lock_whose_process_is_gone_is_taken_over(prior_out: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    (prior_out / ".kgraph.lock").write_text(f"{int(gone.stdout)}\n")
    assert build([BAD / "truncated.txt"], prior_out) == 0
    assert sorted(p.name for p in prior_out.iterdir()) == sorted([*OUTPUTS, STORE_DIR, "notes.txt"])


# --- --out holds the user's files too ---------------------------------------------------------


def test_out_keeps_every_file_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)
    mine = {
        "notes.txt": "mine",
        "graph.ttl.bak": "my backup",
        ".graph.ttl.swp": "an editor's",
        ".graph.ttl.kgraph-notes.tmp": "looks like kgraph's, is not",
        "data/graph.ttl": "not in --out itself",
    }
    for name, text in mine.items():
        (out / name).write_text(text)
    elsewhere = tmp_path / "elsewhere.ttl"
    elsewhere.write_text("linked to")
    (out / HTML_FILE).symlink_to(elsewhere)
    (out / TURTLE_FILE).write_text("a graph.ttl of the user's: replaced")

    assert build([BAD / "truncated.txt"], out) == 0
    assert main(["-q", "add", str(BAD / "tricky_names.txt"), "--out", str(out)]) == 0
    for name, text in mine.items():
        assert (out / name).read_text() == text, name
    assert elsewhere.read_text() == "linked to", "the link is replaced, not written through"
    assert not (out / HTML_FILE).is_symlink()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        {*OUTPUTS, *mine} - {"data/graph.ttl"} | {"data", STORE_DIR}
    )
    check_outputs(out)


def test_an_out_folder_inside_the_input_is_not_read_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It was: 2 papers, then 601 (every line of graph.ttl and graph.graphml a 'paper'),
    then 4,032."""
    inputs = tmp_path / "papers"
    inputs.mkdir()
    shutil.copyfile(BAD / "truncated.txt", inputs / "page.txt")
    out = inputs / "kg"
    assert build([inputs], out) == 0
    first = outputs(out)
    assert main(["build", str(inputs), "--out", str(out)]) == 0
    assert (
        f"kgraph: warning: {out}: the output folder, not read as input" in capsys.readouterr().err
    )
    assert outputs(out) == first
    assert main(["add", str(inputs), "--out", str(out)]) == 0
    assert "added     0 papers" in capsys.readouterr().out
    assert outputs(out) == first


@pytest.mark.parametrize("command", ["build", "add"])
def test_out_naming_a_file_fails_in_one_line_and_leaves_it(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "results.ttl"
    target.write_text("precious")
    for out in (target, target / "sub"):
        assert main([command, str(SEED_FILES[0]), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"kgraph: error: --out {out}")
        assert "is a file" in err
        assert len(err.splitlines()) == 1
    assert target.read_text() == "precious"
    assert sorted(tmp_path.iterdir()) == [target]


def test_an_out_folder_that_does_not_exist_yet_is_made(tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper"
    assert build([BAD / "crlf.txt"], out) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUTS, STORE_DIR])


# --- --out that is not a plain file -------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_out_to_a_fifo_writes_through_it(tmp_path: Path) -> None:
    # the FIFO was replaced by a plain file, and its reader got nothing
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = tmp_path / "received"
    with received.open("w") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        assert main(["-q", "extract", str(SEED_FILES[0]), "--out", str(fifo)]) == 0
        reader.wait(timeout=KILL_TIMEOUT)
    assert len(received.read_text().splitlines()) == len(read_file(SEED_FILES[0]))
    assert fifo.is_fifo()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_out_to_a_fifo_whose_reader_left_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # (not a device such as /dev/full: if this failed, the device would be replaced)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["head", "-c", "1", str(fifo)], stdout=subprocess.DEVNULL)
    assert main(["-q", "extract", str(SEED_FILES[0]), "--out", str(fifo)]) == 2
    reader.wait(timeout=KILL_TIMEOUT)
    assert capsys.readouterr().err.splitlines() == [
        f"kgraph: error: {fifo}: cannot write (Broken pipe)"
    ]
    assert fifo.is_fifo()


# --- the state `kgraph add` grows from (issue 19) ---------------------------------------------


def test_a_state_line_nested_too_deeply_is_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a RecursionError traceback
    out = tmp_path / "out"
    assert build([BAD / "crlf.txt"], out) == 0
    with (out / ENTITIES_FILE).open("a", encoding="utf-8") as handle:
        handle.write('{"title": "A", "entities": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    before = snapshot(out)
    assert main(["add", str(BAD / "truncated.txt"), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"kgraph: error: {out / ENTITIES_FILE}:2: not an extraction record (nested too deeply); "
        "rebuild with 'kgraph build'"
    ]
    assert snapshot(out) == before


@pytest.mark.parametrize("how", ["as named", "through a link", "by another path"])
def test_adding_a_builds_own_state_to_it_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    out = tmp_path / "out"
    assert build([BAD / "crlf.txt"], out) == 0
    before = snapshot(out)
    state = out / ENTITIES_FILE
    if how == "through a link":
        (tmp_path / "state.jsonl").symlink_to(state)
        state = tmp_path / "state.jsonl"
    elif how == "by another path":
        state = tmp_path / "." / "out" / ".." / "out" / ENTITIES_FILE
    assert main(["add", str(state), str(BAD / "truncated.txt"), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"kgraph: error: {state}: the state of the build in {out}, not an input to add to it"
    ]
    assert snapshot(out) == before
