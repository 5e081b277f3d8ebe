"""Bad input never crashes kgraph: each file in tests/data/bad/ and what kgraph says about it."""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kgraph.cli import main
from kgraph.model import normalise_title
from kgraph.sources import textio

BAD = Path(__file__).resolve().parent / "data" / "bad"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    code = main(["extract", *argv])
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    return code, records, captured.err


@pytest.mark.parametrize(
    ("name", "papers", "says"),
    [
        ("empty.txt", 0, "empty.txt: empty file"),
        ("whitespace.txt", 0, "whitespace.txt: empty file"),
        ("binary.txt", 0, "binary.txt: binary file, not text"),
        ("latin1.txt", 1, "latin1.txt: lines 1-2 not UTF-8, read as Windows-1252"),
        ("cp1252.txt", 1, "cp1252.txt: lines 1-2 not UTF-8, read as Windows-1252"),
        ("duplicates.jsonl", 2, 'duplicates.jsonl:1: duplicate key "title" in one record; the last value is used'),
        ("excel_european.csv", 2, ""),
        ("lookalike_titles.txt", 2, ""),
        ("mixed_encodings.txt", 3, "mixed_encodings.txt: lines 3, 5-6 not UTF-8, read as Windows-1252"),
        ("bom.txt", 1, ""),
        ("crlf.txt", 1, ""),
        ("nul.txt", 1, "dropped 2 control or invisible characters"),
        ("title_only.txt", 1, "title_only.txt:1: title with no abstract"),
        ("abstract_only.txt", 0, "abstract_only.txt:1: abstract text with no title, skipped"),
        ("truncated.txt", 2, ""),
        ("page.html", 0, "page.html: an HTML page, not a text dump"),
        ("duplicate_titles.txt", 1, "listed again with a different abstract; kept the first"),
        ("tricky_names.txt", 2, "dropped 4 control or invisible characters"),
    ],
)  # fmt: skip
def test_each_bad_file(
    capsys: pytest.CaptureFixture[str], name: str, papers: int, says: str
) -> None:
    code, records, err = run(capsys, str(BAD / name))
    assert "Traceback" not in err
    assert says in err
    assert len(records) == papers
    if papers == 0:
        assert code == 2
        assert err.splitlines()[-1].startswith("kgraph: error: no papers found")
    else:
        assert code == 0
        assert all(str(r["title"]).strip() for r in records)


def test_bom_crlf_and_nul_read_like_the_clean_text(capsys: pytest.CaptureFixture[str]) -> None:
    texts = []
    for name in ("bom.txt", "crlf.txt", "nul.txt"):
        _, records, _ = run(capsys, str(BAD / name))
        texts.append((records[0]["title"], records[0]["abstract"]))
    assert texts[0] == texts[1] == texts[2]
    assert not str(texts[0][0]).startswith("\ufeff")
    assert "\r" not in str(texts[1][1])


def test_encodings_are_decoded_to_the_right_characters(capsys: pytest.CaptureFixture[str]) -> None:
    _, latin1, _ = run(capsys, str(BAD / "latin1.txt"))
    _, cp1252, _ = run(capsys, str(BAD / "cp1252.txt"))
    assert latin1[0]["title"] == "Café Évaluation: Modèles Généraux"
    assert cp1252[0]["title"] == "“Smart” Quotes — A Study of Typography in Abstracts"


def test_one_line_in_another_encoding_leaves_the_utf8_lines_as_they_are(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # one Latin-1 line made the whole file Windows-1252: "Café" became "CafÃ©"
    _, records, err = run(capsys, str(BAD / "mixed_encodings.txt"))
    assert [r["title"] for r in records] == [
        "Café Models: Naïve Baselines for Résumé Parsing",
        "Zürich Speech: A Benchmark for Swiss German",
        "Señor Translator: Machine Translation for Spanish Dialects",
    ]
    assert "résumé parsing" in str(records[0]["abstract"])
    assert "Zürich Speech benchmark" in str(records[1]["abstract"])
    assert "Año Nuevo" in str(records[2]["abstract"])
    assert [line for line in err.splitlines() if "UTF-8" in line] == [
        f"kgraph: warning: {BAD}/mixed_encodings.txt: lines 3, 5-6 not UTF-8, read as Windows-1252"
    ]


def test_a_line_not_even_windows_1252_is_read_as_latin1_and_said_apart(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 0x81 is one of the five bytes Windows-1252 leaves undefined
    text = textio.decode("naïve\n".encode() + b"\x81 x\n" + "Zürich".encode("cp1252"), "f.txt")
    assert text == "naïve\n x\nZürich", "the C1 control U+0081 dropped"
    assert "f.txt: line 2 not UTF-8, read as Latin-1; line 3 as Windows-1252" in caplog.text


def test_a_repeated_key_and_a_repeated_id_are_warned_about_and_one_id_is_one_paper(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the last "title" won silently, and the record giving id p1 again was a second paper
    _, records, err = run(capsys, str(BAD / "duplicates.jsonl"))
    exedec = "ExeDec: Execution Decomposition for Compositional Generalization in Neural Program Synthesis"
    assert [r["title"] for r in records] == [
        exedec,
        "Data Factors for Better Compositional Generalization",
    ]
    source = f"{BAD}/duplicates.jsonl"
    assert [s["line"] for s in records[0]["sources"]] == [1, 3]
    assert records[0]["authors"] == 2, "metadata the first listing lacked is filled in"
    assert err.splitlines() == [
        f'kgraph: warning: {source}:1: duplicate key "title" in one record; the last value is used',
        f"kgraph: warning: {source}:3: id 'p1' is that of {exedec[:40] + '…'!r} ({source}:1): "
        "read as another listing of it",
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[{"title": "A", "abstract": "x", "title": "ExeDec"}]', 1),
        ('{"data": [\n{"title": "B"},\n{"abstract": "x", "title": "A", "title": "ExeDec"}\n]}', 3),
        ('{"title": "A",\n"abstract": "x", "title": "ExeDec"}', 1),
    ],
)
def test_a_repeated_key_in_a_json_document_is_warned_about_at_its_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int
) -> None:
    (tmp_path / "p.json").write_text(text)
    _, records, err = run(capsys, str(tmp_path / "p.json"))
    assert "ExeDec" in [r["title"] for r in records]
    assert f"p.json:{line} (record" in err
    assert 'duplicate key "title" in one record; the last value is used' in err


def test_excels_european_csv_with_a_bom_and_semicolons_is_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # it was refused: "header has no title or abstract column (found: title;abstract;...)"
    _, records, err = run(capsys, str(BAD / "excel_european.csv"))
    assert [(r["title"], r.get("authors")) for r in records] == [
        ("ExeDec: Execution Decomposition for Compositional Generalization", 2),
        ("Data Factors; Better Compositional Generalization", 1),
    ]
    assert "by 3,5 points" in str(records[0]["abstract"])
    assert err == ""


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_csv_delimiter_is_told_by_the_header_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], delimiter: str
) -> None:
    rows = [["title", "abstract", "date"], ["ExeDec, v2", "We propose ExeDec; it works.", "2023"]]
    with (tmp_path / "t.csv").open("w", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    code, records, _ = run(capsys, str(tmp_path / "t.csv"))
    assert code == 0
    assert [(r["title"], r["abstract"], r["date"]) for r in records] == [
        ("ExeDec, v2", "We propose ExeDec; it works.", "2023")
    ]


def test_a_title_with_greek_or_cyrillic_look_alike_letters_is_the_same_paper(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # "Attention Is All You Need" with a Cyrillic A and o and a Greek N was a second paper
    _, records, _ = run(capsys, str(BAD / "lookalike_titles.txt"))
    assert [(r["title"], [s["line"] for s in r["sources"]]) for r in records] == [
        ("Attention Is All You Need", [1, 3]),
        ("CodeChain: Towards Modular Code Generation", [5, 7]),
    ]


@pytest.mark.parametrize(
    ("title", "other"),
    [
        ("\u0399mage Classification with Transformers", "Image classification with transformers"),
        ("\u041c\u0435ta-Learning for Few-Shot \u0422asks", "Meta-Learning for Few-Shot Tasks"),
        ("Learning ɱodels", "Learning models"),
        ("ΜΟΝΤΕΛΑ ΓΛΩΣΣΑΣ", "Μοντελα Γλωσσας"),
        ("Δ-Networks for Sparse Data", "δ-NETWORKS FOR SPARSE DATA"),
    ],
)
def test_look_alike_letters_and_case_give_one_title_key(title: str, other: str) -> None:
    assert normalise_title(title) == normalise_title(other)


@pytest.mark.parametrize(
    ("title", "other"),
    [
        ("Нейронные сети", "Heйpoнныe ceти"),  # a Cyrillic title keeps its letters
        ("Machine Translation", "Machine Tran\u0455lation Systems"),
    ],
)
def test_titles_that_only_share_look_alikes_stay_apart(title: str, other: str) -> None:
    assert normalise_title(title) != normalise_title(other)


def test_invisible_and_bidi_controls_are_dropped_but_text_stays(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, records, _ = run(capsys, str(BAD / "tricky_names.txt"))
    text = json.dumps(records, ensure_ascii=False)
    for invisible in ("\u200b", "\u202e", "\u202c"):
        assert invisible not in text
    assert "<script>alert(1)</script> & <img src=x onerror=alert(1)> #hash ?query" in str(
        records[0]["title"]
    )
    assert "שלום مرحبا" in str(records[1]["title"])


def test_a_five_megabyte_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "long.txt"
    sentence = "We study many things and report results on benchmarks. "
    page.write_text(
        "A Paper With A Huge Abstract\n" + sentence * (5 * 2**20 // len(sentence)) + "\n"
    )
    code, records, err = run(capsys, str(page))
    assert code == 0
    assert len(records) == 1
    assert len(str(records[0]["abstract"])) == 50_000
    assert "long.txt:1: abstract of 5242" in err
    assert "cut to 50000" in err


def test_a_folder_with_a_subfolder_a_symlink_loop_and_an_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "sub" / "page.txt").write_bytes((BAD / "crlf.txt").read_bytes())
    (inputs / "loop").symlink_to(inputs, target_is_directory=True)
    (inputs / "a").symlink_to(inputs / "b")
    (inputs / "b").symlink_to(inputs / "a")
    secret = inputs / "secret.txt"
    secret.write_bytes((BAD / "latin1.txt").read_bytes())
    secret.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the read fail as it would for a user
        real = os.open

        def refuse(path: Path, flags: int, *args: int) -> int:
            if Path(path).name == "secret.txt":
                raise PermissionError(13, "Permission denied")
            return real(path, flags, *args)

        monkeypatch.setattr(textio.os, "open", refuse)
    code, records, err = run(capsys, str(inputs))
    assert code == 0
    assert [r["title"] for r in records] == [
        "ExeDec: Execution Decomposition for Compositional Generalization in Neural Program Synthesis"
    ]
    assert "secret.txt: permission denied" in err
    assert "a: cannot read" in err
    assert "b: cannot read" in err
    assert "Traceback" not in err


def test_a_run_of_only_bad_files_exits_2_with_one_error_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = ["empty.txt", "binary.txt", "page.html", "abstract_only.txt"]
    code, records, err = run(capsys, *(str(BAD / n) for n in names))
    assert code == 2
    assert records == []
    errors = [line for line in err.splitlines() if line.startswith("kgraph: error:")]
    assert len(errors) == 1
    assert all(line.startswith("kgraph: ") for line in err.splitlines())


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "(nested too deeply)"),
        ("number.json", '[{"title": "B", "n": ' + "9" * 5000 + "}]", "(Exceeds the limit"),
    ],
)
def test_json_too_deep_or_with_a_huge_number_is_skipped_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, says: str
) -> None:
    # RecursionError and ValueError (Python's 4,300-digit limit) escaped the JSON readers
    (tmp_path / name).write_text(text)
    code, records, err = run(capsys, str(tmp_path / name))
    assert (code, records) == (2, [])
    assert f"{name}: not readable JSON (" in err
    assert says in err


def test_a_json_line_too_deep_or_too_long_a_number_skips_that_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.dumps({"title": "ExeDec", "abstract": "We propose ExeDec."})
    lines = [good, '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}", '{"n": ' + "9" * 5000 + "}"]
    (tmp_path / "p.jsonl").write_text("\n".join(lines) + "\n")
    code, records, err = run(capsys, str(tmp_path / "p.jsonl"))
    assert code == 0
    assert [r["title"] for r in records] == ["ExeDec"]
    assert "p.jsonl:2: not readable JSON (nested too deeply), skipped" in err
    assert "p.jsonl:3: not readable JSON (Exceeds the limit (4300 digits)" in err


def test_a_csv_field_longer_than_128_kib_does_not_end_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # csv's field limit made the long row, and every row after it, "not valid CSV"
    rows = ["title,abstract", "Long," + "x" * 200_000, "ExeDec,We propose ExeDec."]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    code, records, err = run(capsys, str(tmp_path / "t.csv"))
    assert code == 0
    assert [r["title"] for r in records] == ["Long", "ExeDec"]
    assert "t.csv:2: abstract of 200000 characters cut to 50000" in err


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_read_like_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    # Excel's "Unicode text" export: its NUL bytes made the file "binary, not text"
    seed = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))[0]
    text = seed.read_text(encoding="utf-8")
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    (tmp_path / "wide.txt").write_bytes(data)
    (tmp_path / "plain.txt").write_text(text, encoding="utf-8")
    wide = run(capsys, str(tmp_path / "wide.txt"))
    plain = run(capsys, str(tmp_path / "plain.txt"))
    assert wide[0] == plain[0] == 0
    assert [r["title"] for r in wide[1]] == [r["title"] for r in plain[1]]
    assert len(wide[1]) > 50


# --- what is an input file (issue 19) ------------------------------------------------------

# A child process that reads without limit must fail, not take the machine's memory.
MEMORY_LIMIT = 2 * 2**30
RUN_TIMEOUT = 120


def run_limited(*argv: str, cap: int | None = None) -> subprocess.CompletedProcess[str]:
    """``kgraph extract ARGV`` in a child with bounded memory and time (``cap``: the input
    size cap, lowered as a test would monkeypatch it)."""
    lower = "" if cap is None else f"textio.MAX_INPUT_BYTES = {cap}; "
    script = (
        "import sys; from kgraph.sources import textio; from kgraph.cli import main; "
        f"{lower}sys.exit(main(sys.argv[1:]))"
    )

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, "-c", script, "extract", *argv],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        preexec_fn=limit_memory,
        check=False,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_device_in_a_folder_is_skipped_without_opening_it(tmp_path: Path) -> None:
    # /dev/zero was read until MemoryError, and opening the FIFO waited forever for a writer
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copyfile(BAD / "crlf.txt", inputs / "page.txt")
    os.mkfifo(inputs / "pipe.txt")
    (inputs / "pipe-link.txt").symlink_to(inputs / "pipe.txt")
    (inputs / "zero.txt").symlink_to("/dev/zero")
    done = run_limited(str(inputs))
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr.splitlines() == [
        f"kgraph: warning: {inputs}/pipe-link.txt: a FIFO, not a regular file; skipped",
        f"kgraph: warning: {inputs}/pipe.txt: a FIFO, not a regular file; skipped",
        f"kgraph: warning: {inputs}/zero.txt: a link to /dev/zero, outside {inputs}; not followed",
    ]


def test_a_device_named_on_the_command_line_is_read_up_to_the_cap(tmp_path: Path) -> None:
    done = run_limited("/dev/zero", str(BAD / "crlf.txt"), cap=2**20)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr.splitlines() == [
        "kgraph: warning: /dev/zero: larger than 1 MB, not read (the limit for one input file)"
    ]


def test_a_file_larger_than_the_cap_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textio, "MAX_INPUT_BYTES", 1000)
    page = tmp_path / "big.txt"
    page.write_bytes((BAD / "crlf.txt").read_bytes() * 10)
    assert page.stat().st_size > 1000
    code, records, err = run(capsys, str(page))
    assert (code, records) == (2, [])
    assert err.splitlines() == [
        f"kgraph: warning: {page}: larger than 1,000 bytes, not read (the limit for one input file)",
        f"kgraph: error: no papers found in {page}",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_on_the_command_line_is_read_as_a_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=((BAD / "crlf.txt").read_bytes(),))
    writer.start()
    code, records, err = run(capsys, str(fifo))
    writer.join(timeout=RUN_TIMEOUT)
    assert (code, len(records)) == (0, 1), err


def test_links_leaving_the_folder_are_not_followed_but_a_named_link_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # in/passwd.txt -> /etc/passwd was read as a page of papers
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copyfile(BAD / "latin1.txt", outside / "private.txt")
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    shutil.copyfile(BAD / "crlf.txt", inputs / "sub" / "page.txt")
    (inputs / "inside.txt").symlink_to(Path("sub", "page.txt"))
    (inputs / "passwd.txt").symlink_to(outside / "private.txt")
    (inputs / "sub" / "up.txt").symlink_to(Path("..", "..", "elsewhere", "private.txt"))
    linked = tmp_path / "linked-in"
    linked.symlink_to(inputs, target_is_directory=True)

    code, records, err = run(capsys, str(linked))
    assert code == 0
    assert [r["sources"] for r in records] == [
        [{"path": f"{linked}/inside.txt", "line": 1}, {"path": f"{linked}/sub/page.txt", "line": 1}]
    ]
    assert err.splitlines() == [
        f"kgraph: warning: {linked}/passwd.txt: a link to {outside}/private.txt, outside {linked}; not followed",
        f"kgraph: warning: {linked}/sub/up.txt: a link to {outside}/private.txt, outside {linked}; not followed",
    ]
    code, records, _ = run(capsys, str(inputs / "passwd.txt"))
    assert code == 0
    assert [r["title"] for r in records] == ["Café Évaluation: Modèles Généraux"]
