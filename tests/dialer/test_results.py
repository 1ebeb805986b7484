"""Final SIP statuses of an outbound INVITE as dial results."""

from __future__ import annotations

import pytest

from seatline.dialer import CallResult
from seatline.dialer.results import result_for_status


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (486, CallResult.BUSY),
        (600, CallResult.BUSY),
        (408, CallResult.NO_ANSWER),
        (480, CallResult.NO_ANSWER),
        (487, CallResult.NO_ANSWER),
        (404, CallResult.FAILED),
        (484, CallResult.FAILED),
        (604, CallResult.FAILED),
        (302, CallResult.FAILED),
        (403, CallResult.FAILED),
        (488, CallResult.FAILED),
        (499, CallResult.FAILED),
        (500, CallResult.FAILED),
        (503, CallResult.FAILED),
        (603, CallResult.FAILED),
        (699, CallResult.FAILED),
    ],
)
def test_final_failures_map_to_the_retry_rule_they_deserve(status: int, result: CallResult) -> None:
    assert result_for_status(status) is result


@pytest.mark.parametrize("status", [100, 180, 183, 200, 202, 299, 0, 99, 700, -486])
def test_answers_provisional_and_non_statuses_are_not_failures(status: int) -> None:
    with pytest.raises(ValueError, match=str(status)):
        result_for_status(status)
