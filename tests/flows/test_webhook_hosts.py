"""A webhook's host is judged when the flow is validated, naming the node (issue 11, finding 8).

Hosts no setting allows are always refused; private and loopback ones only when the caller
passes the operator's `allow_private_networks=False` (else the lookup refuses them when it
connects).
"""

from __future__ import annotations

from typing import Any

import pytest

from seatline.flows import validate_flow

from .conftest import document
from .test_validate import problems

HANGUP = {"type": "hangup"}


def webhook(url: str) -> dict[str, Any]:
    """A flow whose one lookup calls `url`."""
    lookup = {
        "type": "lookup",
        "webhook": url,
        "key": "caller",
        "found": "end",
        "not_found": "end",
        "error": "end",
    }
    return document({"a": lookup, "end": HANGUP})


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://2852039166/",  # the same, as one number
        "https://[::ffff:169.254.169.254]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://1.2.3.4.5/",
        "https://bad_host!/",
    ],
)
def test_hosts_no_setting_allows_are_refused(url: str) -> None:
    (message,) = problems(webhook(url))
    assert message.startswith("node 'a': field 'webhook': webhook host refused: ")


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/", "https://0177.0.0.1/", "https://localhost/", "https://10.0.0.8/"]
)
def test_private_hosts_follow_the_operators_setting(url: str) -> None:
    assert validate_flow(webhook(url))  # judged when the lookup connects
    assert validate_flow(webhook(url), allow_private_networks=True)
    (message,) = problems(webhook(url), allow_private_networks=False)
    assert message.startswith("node 'a': field 'webhook': webhook host refused: ")


@pytest.mark.parametrize("url", ["https://[::1/", "https://crm.example:port/"])
def test_broken_urls_are_refused_not_raised(url: str) -> None:
    (message,) = problems(webhook(url))
    assert message.startswith("node 'a': field 'webhook': webhook ")


def test_public_hosts_pass() -> None:
    assert validate_flow(webhook("https://crm.example.com/orders"), allow_private_networks=False)
