"""Lead lists: CSV parsing with exact line numbers, number and time zone checks."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seatline.store.errors import InvalidInput, TooLarge
from seatline.store.lead_csv import LeadRow, RowError, number_key, parse_lead_csv

MIXED = (
    "id,number,timezone,name,note\n"  # 1
    "a1,+49 30 1234567,Europe/Berlin,Ada,first\n"  # 2
    'a2,(030) 555-0101,,Bob,"two\nlines"\n'  # 3-4: a quoted field spans two lines
    "a3,12,UTC,Cy,short\n"  # 5: fewer than 3 digits
    "a4,call me,UTC,Di,letters\n"  # 6: not a number
    "a5,555 0102,Mars/Olympus,Ed,zone\n"  # 7: unknown time zone
    "a1,555 0103,UTC,Fay,again\n"  # 8: duplicate id of line 2
    "a6,555 0104,UTC,Gus\n"  # 9: too few columns
    "a7,555 0105,UTC,Hal,x,extra\n"  # 10: too many columns
    "\n"  # 11: blank, skipped
    ",555.0106,UTC,Ivy,no id\n"  # 12: no id: keyed by the number
    ",,UTC,Jo,empty number\n"  # 13
    "a8, 555 0107 ,America/New_York,Kim," + "x" * 1001 + "\n"  # 14: value too long
    "a9,555 0108,America,Lu,a directory\n"  # 15: not a zone
    'a10,555 0109,UTC,Mo,"never closed\n'  # 16: unclosed quote swallows the rest
    "a11,555 0110,UTC,No,lost\n"
)


def test_good_rows_are_kept_and_bad_ones_reported_by_physical_line() -> None:
    parsed = parse_lead_csv(MIXED)
    assert parsed.columns == ["name", "note"]
    assert parsed.rows == [
        LeadRow(2, "a1", "+49 30 1234567", "Europe/Berlin", {"name": "Ada", "note": "first"}),
        LeadRow(3, "a2", "(030) 555-0101", "UTC", {"name": "Bob", "note": "two\nlines"}),
        LeadRow(12, "tel:5550106", "555.0106", "UTC", {"name": "Ivy", "note": "no id"}),
    ]
    assert parsed.errors == [
        RowError(5, "the number '12' has fewer than 3 digits"),
        RowError(6, "the number 'call me' has characters other than digits, spaces and + - ( ) ."),
        RowError(7, "unknown time zone 'Mars/Olympus'"),
        RowError(8, "duplicate id 'a1' (first on line 2)"),
        RowError(9, "expected 5 fields, found 4"),
        RowError(10, "expected 5 fields, found 6"),
        RowError(13, "the number is empty"),
        RowError(14, "the value of 'note' is longer than 1000 characters"),
        RowError(15, "unknown time zone 'America'"),
        RowError(16, "a quoted field is not closed before the end of the file"),
    ]


def test_without_id_and_timezone_columns_the_number_is_the_id_and_utc_the_zone() -> None:
    parsed = parse_lead_csv("\ufeffNumber , Company\n555 0100,ACME\r\n\n555 0101,Initech\n")
    assert parsed.columns == ["Company"]
    assert parsed.rows == [
        LeadRow(2, "tel:5550100", "555 0100", "UTC", {"Company": "ACME"}),
        LeadRow(4, "tel:5550101", "555 0101", "UTC", {"Company": "Initech"}),
    ]
    assert parsed.errors == []


def test_bytes_are_decoded_per_record() -> None:
    data = b"number,name\n555 0100,caf\xe9\n555 0101,caf\xc3\xa9\n"
    parsed = parse_lead_csv(data)
    assert [row.fields for row in parsed.rows] == [{"name": "café"}]
    assert parsed.errors == [RowError(2, "not valid UTF-8")]


def test_a_long_id_and_a_long_number_are_refused() -> None:
    parsed = parse_lead_csv(f"id,number\n{'i' * 65},5550100\nok,{'5' * 65}\n")
    assert parsed.rows == []
    assert parsed.errors == [
        RowError(2, "the id is longer than 64 characters"),
        RowError(3, "the number is longer than 64 characters"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the CSV is empty"),
        ("\nnumber\n", "the first line is empty"),
        ("phone,name\n", "lacks the column 'number'"),
        ("number,name,Name\n", "column 'Name' twice"),
        ("number,NUMBER\n", "column 'NUMBER' twice"),
        ("number,,name\n", "column 2 has no name"),
        ('number,"name\n', "not valid CSV"),
        ("number," + "n" * 201 + "\n", "longer than 200 characters"),
    ],
)
def test_a_broken_header_refuses_the_file(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_lead_csv(text)


def test_more_rows_than_allowed_refuse_the_file() -> None:
    parse_lead_csv("number\n5550100\n5550101\n", max_rows=2)
    with pytest.raises(TooLarge):
        parse_lead_csv("number\n5550100\n5550101\n5550102\n", max_rows=2)


# A lone carriage return is left unquoted by csv.writer, so no reader could tell it apart.
_values = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r"),
    max_size=30,
)
_numbers = st.from_regex(r"\+?[0-9]{3,15}", fullmatch=True)


# One person per number: a number twice in a list without ids is reported (see test_lead_keys).
@given(
    st.lists(
        st.tuples(_numbers, _values, _values),
        min_size=1,
        max_size=20,
        unique_by=lambda record: number_key(record[0]),
    )
)
def test_any_well_formed_file_round_trips_with_the_right_lines(
    records: list[tuple[str, str, str]],
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "a", "b"])
    lines = [2]
    for number, a, b in records:
        writer.writerow([number, a, b])
        lines.append(out.getvalue().count("\n") + 1)
    parsed = parse_lead_csv(out.getvalue())
    assert parsed.errors == []
    assert [(row.line, row.number, row.fields) for row in parsed.rows] == [
        (line, number, {"a": a, "b": b})
        for line, (number, a, b) in zip(lines, records, strict=False)
    ]
