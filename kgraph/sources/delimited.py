"""CSV and TSV tables of papers: a header row naming ``title`` and ``abstract`` columns.

Other columns named ``id``, ``url``, ``date`` and ``authors`` (a count, or names separated
by semicolons or commas) are read as in the JSON readers; the rest are ignored. Column names
are matched without regard to case or surrounding spaces. Fields may be quoted, as
spreadsheets and pandas write them, so an abstract may span lines.
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


def parse_csv(text: str, source: str) -> list[Paper]:
    """Papers in comma-separated values."""
    return parse_delimited(text, source, ",")


def parse_tsv(text: str, source: str) -> list[Paper]:
    """Papers in tab-separated values."""
    return parse_delimited(text, source, "\t")
