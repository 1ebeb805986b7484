"""The dial result a final SIP status of an outbound INVITE stands for (RFC 3261 §21)."""

from __future__ import annotations

from .outcomes import CallResult

# Each status names a different retry rule, so the choice decides when the lead is called again.
_BY_STATUS: dict[int, CallResult] = {
    # §21.4.24 486 Busy Here: the callee's phone was reached and is in use; try again soon.
    486: CallResult.BUSY,
    # §21.6.1 600 Busy Everywhere: every device of the callee is busy; the same as 486 for us.
    600: CallResult.BUSY,
    # §21.4.9 408 Request Timeout: nobody answered in the carrier's time; a person may later.
    408: CallResult.NO_ANSWER,
    # §21.4.18 480 Temporarily Unavailable: reachable number, callee away or phone off.
    480: CallResult.NO_ANSWER,
    # §21.4.25 487 Request Terminated: our own CANCEL at the ring timeout, so it rang out.
    487: CallResult.NO_ANSWER,
    # §21.4.5 404 Not Found: the number does not exist in that domain.
    404: CallResult.FAILED,
    # §21.4.22 484 Address Incomplete: the number is malformed or too short.
    484: CallResult.FAILED,
    # §21.6.3 604 Does Not Exist Anywhere: the number exists nowhere.
    604: CallResult.FAILED,
}


def result_for_status(status: int) -> CallResult:
    """The `CallResult` of a failed outbound INVITE's final status (2xx raises: AMD decides)."""
    if not 300 <= status <= 699:
        # 1xx is not final, and 2xx is an answer: person or machine, which only the answering
        # machine detection can tell; a number outside 100-699 is not a SIP status.
        raise ValueError(f"SIP status {status} is not a final failure of an INVITE")
    # Every other failure (redirects we did not follow, other 4xx, 5xx server and carrier
    # trouble, 603 Decline, ...) reached nobody for a reason a quick retry would not change.
    return _BY_STATUS.get(status, CallResult.FAILED)
