"""CSV and TSV tables of papers: a header row naming ``title`` and ``abstract`` columns.

Other columns named ``id``, ``url``, ``date`` and ``authors`` (a count, or names separated
by semicolons or commas) are read as in the JSON readers; the rest are ignored. Column names
are matched without regard to case or surrounding spaces. Fields may be quoted, as
spreadsheets and pandas write them, so an abstract may span lines. A ``.csv`` file may be
separated by ``;`` (Excel in most of Europe), tabs or ``|``: its header line tells which.
"""

from __future__ import annotations

import csv
import io

from kgraph.model import Paper, SourceRef
from kgraph.sources.records import plain_paper, skip
from kgraph.sources.textio import SkipFile

REQUIRED_COLUMNS = ("title", "abstract")


FIELD_SIZE_LIMIT = 2**31 - 1  # the largest csv takes on every platform


def parse_delimited(text: str, source: str, delimiter: str) -> list[Paper]:
    """Papers in a table with a header row; a row of the wrong width is warned about.

    Examples
    --------
    >>> table = "Title,Abstract,authors\\nExeDec,We propose ExeDec.,3\\n"
    >>> [(p.title, p.authors, p.sources[0].line) for p in parse_delimited(table, "t.csv", ",")]
    [('ExeDec', 3, 2)]
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    papers: list[Paper] = []
    start = 1
    # csv's default limit (128 KiB a field) ended the file at the first long abstract
    previous_limit = csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(field.strip() for field in row):
                continue
            if header is None:
                header = [name.strip().casefold() for name in row]
                missing = [name for name in REQUIRED_COLUMNS if name not in header]
                if missing:
                    raise SkipFile(
                        f"{source}:{line}: header has no {' or '.join(missing)} column "
                        f"(found: {', '.join(header)})"
                    )
                continue
            where = f"{source}:{line}"
            if len(row) != len(header):
                skip(where, f"row has {len(row)} fields, the header {len(header)}")
                continue
            paper = plain_paper(dict(zip(header, row, strict=True)), where, SourceRef(source, line))
            if paper is not None:
                papers.append(paper)
    except csv.Error as exc:
        skip(f"{source}:{reader.line_num}", f"not valid CSV ({exc}); this row and the rest")
    finally:
        csv.field_size_limit(previous_limit)
    return papers


# Excel writes ";" where the decimal separator is a comma (most of Europe); "|" and tabs
# also come in files named .csv.
CSV_DELIMITERS = ",;\t|"
_SNIFFED_CHARS = 65536  # a header is far shorter; the sniffer's patterns are not linear


def sniff_delimiter(text: str) -> str:
    """The delimiter of a table, told by its header line; ``,`` when that line does not say.

    Examples
    --------
    >>> sniff_delimiter("Title;Abstract\\nExeDec;We propose it, and more.\\n")
    ';'
    >>> sniff_delimiter("title\\nExeDec\\n")
    ','
    """
    header = _first_line(text)
    if header is None:
        return ","
    try:
        found = csv.Sniffer().sniff(header, delimiters=CSV_DELIMITERS)
    except csv.Error:
        return ","
    return found.delimiter if found.delimiter in CSV_DELIMITERS else ","


def _first_line(text: str) -> str | None:
    """The start of the first line of ``text`` that is not blank."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start : min(end, start + _SNIFFED_CHARS)]
        if line.strip():
            return line
        start = end + 1
    return None


def parse_csv(text: str, source: str) -> list[Paper]:
    """Papers in comma-separated values, or values separated by another of
    :data:`CSV_DELIMITERS` (told by the header line)."""
    return parse_delimited(text, source, sniff_delimiter(text))


def parse_tsv(text: str, source: str) -> list[Paper]:
    """Papers in tab-separated values."""
    return parse_delimited(text, source, "\t")
