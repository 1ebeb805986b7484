"""Which numbers a tenant may own."""

import pytest

from seatline.store.numbering import normalize_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+4930123456", "+4930123456"),
        ("+49 30 123-456", "+4930123456"),
        ("95123", "95123"),
        ("95123456", "95123456"),
        ("9000", "9000"),
    ],
)
def test_accepted_numbers(text: str, expected: str) -> None:
    assert normalize_number(text) == expected


@pytest.mark.parametrize("text", ["", "+0123456", "abc", "0049301234", "951234567", "12"])
def test_rejected_numbers(text: str) -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        normalize_number(text)
