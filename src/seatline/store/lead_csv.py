"""Read a campaign's lead list (CSV): header checks, then every record kept or reported.

Pure parsing, no database, with the line tracking of lookup_csv: a broken header refuses the
file (InvalidInput); a bad record is reported with the physical line it starts on and why,
and the good records are kept. `number` is required; `id` and `timezone` are optional; every
other column is a custom field shown to the agent.

A lead's identity is its `id`; without one (no column, or an empty cell) it is the number,
normalised as the dialer compares numbers (`tel:+4930123456`), never the line: a list
re-imported in another order, or another list, updates each person's own lead, and a number
twice in one file is reported, not dialled twice.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field

from seatline.dialer.dnc import normalise
from seatline.store.errors import InvalidInput
from seatline.store.lookup_csv import (
    MAX_VALUE_LENGTH,
    RowError,
    _counted,
    _header_names,
    _records,
    _undecodable,
)

__all__ = [
    "MAX_FIELD_NAME_LENGTH",
    "MAX_ID_LENGTH",
    "MAX_NUMBER_LENGTH",
    "MAX_TIMEZONE_LENGTH",
    "MAX_VALUE_LENGTH",
    "LeadRow",
    "LeadRows",
    "RowError",
    "number_key",
    "parse_lead_csv",
]

MAX_ID_LENGTH = 64  # leads.external_id
MAX_NUMBER_LENGTH = 64  # leads.number
MAX_TIMEZONE_LENGTH = 64  # leads.timezone
MAX_FIELD_NAME_LENGTH = 200  # as the API allows in a campaign's lead_fields
NUMBER_COLUMN, ID_COLUMN, TIMEZONE_COLUMN = "number", "id", "timezone"
NUMBER_KEY = "tel:"  # the id of a lead the file gives none: its normalised number
LINE_KEY = "line-"  # how versions before number keys named such a lead (its line)
_NUMBER_CHARS = frozenset("0123456789 +-().")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class LeadRow:
    """A good record: the line it starts on, its id, number, time zone and custom fields."""

    line: int
    external_id: str
    number: str
    timezone: str
    fields: dict[str, str]


@dataclass(slots=True)
class LeadRows:
    """The custom column names in header order, the good records and the bad ones."""

    columns: list[str] = field(default_factory=list)
    rows: list[LeadRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Header:
    names: list[str]  # every column as written (stripped)
    number: int
    id: int | None
    timezone: int | None

    @property
    def custom(self) -> list[str]:
        special = {self.number, self.id, self.timezone}
        return [name for index, name in enumerate(self.names) if index not in special]


def _header(records: Iterator[tuple[int, list[str] | None, str]]) -> _Header:
    names = _header_names(records)
    # Spreadsheets capitalise headers; "Number" and "number" must not be two columns.
    folded = [name.casefold() for name in names]
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            raise InvalidInput(f"the header's column {position} has no name", {"line": 1})
        if len(name) > MAX_FIELD_NAME_LENGTH:
            raise InvalidInput(
                f"the header's column {position} is longer than {MAX_FIELD_NAME_LENGTH} characters",
                {"line": 1},
            )
        if name.casefold() in seen:
            raise InvalidInput(f"the header names column {name!r} twice", {"line": 1})
        seen.add(name.casefold())
    if NUMBER_COLUMN not in folded:
        raise InvalidInput(
            "the header lacks the column 'number'", {"line": 1, "key_column": NUMBER_COLUMN}
        )

    def index(column: str) -> int | None:
        return folded.index(column) if column in folded else None

    return _Header(names, folded.index(NUMBER_COLUMN), index(ID_COLUMN), index(TIMEZONE_COLUMN))


def number_problem(number: str) -> str | None:
    """Return why `number` can't be dialled, or None when it looks like a phone number."""
    if not number:
        return "the number is empty"
    if len(number) > MAX_NUMBER_LENGTH:
        return f"the number is longer than {MAX_NUMBER_LENGTH} characters"
    if not set(number) <= _NUMBER_CHARS:
        return f"the number {number!r} has characters other than digits, spaces and + - ( ) ."
    if sum(char.isdigit() for char in number) < 3:
        return f"the number {number!r} has fewer than 3 digits"
    return None


def number_key(number: str) -> str:
    """The id of a lead keyed by its number (the dialer's normal form: '+' and digits)."""
    return NUMBER_KEY + normalise(number)


def timezone_problem(name: str) -> str | None:
    """Return why `name` is not an IANA time zone, or None when zoneinfo knows it."""
    if len(name) > MAX_TIMEZONE_LENGTH:
        return f"the time zone is longer than {MAX_TIMEZONE_LENGTH} characters"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: not a relative path; OSError: a directory such as "America".
        return f"unknown time zone {name!r}"
    return None


def _lead(
    line: int, fields: list[str], header: _Header, first_line: dict[str, int]
) -> LeadRow | str:
    """Return the record as a lead, or why it can't be imported."""
    if _undecodable(fields):
        return "not valid UTF-8"
    if len(fields) != len(header.names):
        return f"expected {len(header.names)} fields, found {len(fields)}"
    number = fields[header.number].strip()
    problem = number_problem(number)
    if problem is not None:
        return problem
    external_id = fields[header.id].strip() if header.id is not None else ""
    if external_id:
        if len(external_id) > MAX_ID_LENGTH:
            return f"the id is longer than {MAX_ID_LENGTH} characters"
        if external_id in first_line:
            return f"duplicate id {external_id!r} (first on line {first_line[external_id]})"
    else:
        # Without an id the person is the number, so a re-import in any order updates the
        # right lead; the line would hand one person's lead to whoever is on that line now.
        external_id = number_key(number)
        if len(external_id) > MAX_ID_LENGTH:
            return f"the number has more than {MAX_ID_LENGTH - len(NUMBER_KEY)} digits"
        if external_id in first_line:
            return f"duplicate number {number!r} (first on line {first_line[external_id]})"
    timezone = fields[header.timezone].strip() if header.timezone is not None else ""
    timezone = timezone or "UTC"
    problem = timezone_problem(timezone)
    if problem is not None:
        return problem
    custom: dict[str, str] = {}
    for index, (name, value) in enumerate(zip(header.names, fields, strict=True)):
        if index in (header.number, header.id, header.timezone):
            continue
        if len(value) > MAX_VALUE_LENGTH:
            return f"the value of {name!r} is longer than {MAX_VALUE_LENGTH} characters"
        custom[name] = value
    return LeadRow(line, external_id, number, timezone, custom)


def parse_lead_csv(data: str | bytes, *, max_rows: int | None = None) -> LeadRows:
    """Parse a lead list; raise TooLarge past `max_rows` records (None: no limit)."""
    if isinstance(data, bytes):
        # Each record is checked for bad bytes on its own, so one bad line costs only itself.
        data = data.decode("utf-8", errors="surrogateescape")
    records = _records(data.removeprefix(_BOM))
    header = _header(records)
    result = LeadRows(columns=header.custom)
    first_line: dict[str, int] = {}
    for line, fields, problem in _counted(records, max_rows):
        lead = problem if fields is None else _lead(line, fields, header, first_line)
        if isinstance(lead, str):
            result.errors.append(RowError(line, lead))
            continue
        first_line[lead.external_id] = line
        result.rows.append(lead)
    return result
