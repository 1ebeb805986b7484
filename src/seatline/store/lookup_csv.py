"""Read a lookup table's CSV upload: header checks, then every record kept or reported.

Pure parsing, no database. A broken header refuses the whole file (InvalidInput); a bad
record is reported with the physical line it starts on (a quoted field may span lines) and
the reason, and the good records are kept. Each record is decoded on its own, so one line of
bad bytes costs that record only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from seatline.store.errors import InvalidInput, TooLarge

__all__ = ["MAX_KEY_LENGTH", "MAX_VALUE_LENGTH", "CsvRows", "RowError", "parse_lookup_csv"]

MAX_KEY_LENGTH = 200  # lookup_rows.key
MAX_VALUE_LENGTH = 1000
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class RowError:
    """A record that was not imported: the line it starts on and why."""

    line: int
    reason: str


@dataclass(slots=True)
class CsvRows:
    """The good records by key (each with every column's value) and the bad ones."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def _physical_lines(text: str) -> list[str]:
    # Split on \n only: str.splitlines would also split inside fields on \x1c, \u2028 ….
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _records(text: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """Yield (start line, fields or None, CSV error) for every record, blank lines included."""
    reader = csv.reader(iter(_physical_lines(text)), strict=True)
    consumed = 0
    while True:
        start = consumed + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            consumed = reader.line_num
            yield start, None, _csv_reason(str(exc))
            continue
        consumed = reader.line_num
        yield start, fields, ""


def _csv_reason(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted field is not closed before the end of the file"
    if "field larger than field limit" in message:
        return "a field is too long (an unclosed quote?)"
    if "new-line character seen in unquoted field" in message:
        return "a carriage return inside an unquoted field"
    return f"not valid CSV: {message}"


def _undecodable(fields: Sequence[str]) -> bool:
    # surrogateescape turns each undecodable byte into a lone surrogate U+DC80..U+DCFF.
    return any("\udc80" <= char <= "\udcff" for value in fields for char in value)


def _header_names(records: Iterator[tuple[int, list[str] | None, str]]) -> list[str]:
    """Read the first record as the header; return its names stripped (InvalidInput if broken)."""
    first = next(records, None)
    if first is None:
        raise InvalidInput("the CSV is empty: its first line must be the header")
    _line, fields, problem = first
    if fields is None:
        raise InvalidInput(f"the header is not valid CSV: {problem}", {"line": 1})
    if not fields:
        raise InvalidInput("the first line is empty: it must be the header", {"line": 1})
    if _undecodable(fields):
        raise InvalidInput("the header is not valid UTF-8", {"line": 1})
    return [name.strip() for name in fields]


def _counted(
    records: Iterator[tuple[int, list[str] | None, str]], max_rows: int | None
) -> Iterator[tuple[int, list[str] | None, str]]:
    """Yield the records but blank lines; raise TooLarge past `max_rows` (None: no limit)."""
    count = 0
    for line, fields, problem in records:
        if fields == []:
            continue  # a blank line is no record
        count += 1
        if max_rows is not None and count > max_rows:
            raise TooLarge(
                f"the CSV has more than {max_rows} rows; split it into several imports",
                {"max_rows": max_rows},
            )
        yield line, fields, problem


def _header(
    records: Iterator[tuple[int, list[str] | None, str]],
    key_column: str,
    columns: Sequence[str],
) -> list[str]:
    names = _header_names(records)
    for position, name in enumerate(names, start=1):
        if not name:
            raise InvalidInput(f"the header's column {position} has no name", {"line": 1})
        if names.count(name) > 1:
            raise InvalidInput(f"the header names column {name!r} twice", {"line": 1})
    if key_column not in names:
        raise InvalidInput(
            f"the header lacks the key column {key_column!r}",
            {"line": 1, "key_column": key_column},
        )
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise InvalidInput(
            f"the header names columns the table does not have: {', '.join(unknown)}",
            {"line": 1, "unknown": unknown, "columns": list(columns)},
        )
    missing = [name for name in columns if name not in names]
    if missing:
        raise InvalidInput(
            f"the header lacks columns of the table: {', '.join(missing)}",
            {"line": 1, "missing": missing},
        )
    return names


def _check(
    fields: list[str], names: list[str], key_index: int, first_line: dict[str, int]
) -> str | None:
    """Return why the record can't be imported, or None when it is good."""
    if _undecodable(fields):
        return "not valid UTF-8"
    if len(fields) != len(names):
        return f"expected {len(names)} fields, found {len(fields)}"
    key = fields[key_index].strip()
    if not key:
        return f"the key column {names[key_index]!r} is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"the key is longer than {MAX_KEY_LENGTH} characters"
    if key in first_line:
        return f"duplicate key {key!r} (first on line {first_line[key]})"
    for name, value in zip(names, fields, strict=True):
        if len(value) > MAX_VALUE_LENGTH:
            return f"the value of {name!r} is longer than {MAX_VALUE_LENGTH} characters"
    return None


def parse_lookup_csv(
    data: bytes, key_column: str, columns: Sequence[str], *, max_rows: int
) -> CsvRows:
    """Parse an upload for a table with these columns; raise TooLarge past `max_rows` records."""
    # Excel writes a byte order mark; it is not part of the first column's name.
    text = data.removeprefix(_BOM).decode("utf-8", errors="surrogateescape")
    records = _records(text)
    names = _header(records, key_column, columns)
    key_index = names.index(key_column)
    result = CsvRows()
    first_line: dict[str, int] = {}
    for line, fields, problem in _counted(records, max_rows):
        reason = problem if fields is None else _check(fields, names, key_index, first_line)
        if reason is not None or fields is None:
            result.errors.append(RowError(line, reason or problem))
            continue
        key = fields[key_index].strip()
        first_line[key] = line
        values = dict(zip(names, fields, strict=True))
        values[key_column] = key
        result.rows[key] = values
    return result
