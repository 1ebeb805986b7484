"""The outbound policy on its own: which trunk a tenant's number leaves through, and why not."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from seatline.guard.outbound import (
    FORBIDDEN,
    NOT_FOUND,
    DialRules,
    DialScope,
    Refused,
    caller_id_refusal,
    choose_trunk,
    number_refusal,
    peer_refusal,
    uri_refusal,
)


@dataclass(frozen=True)
class Trunk:
    """A trunk as the policy sees it."""

    name: str
    tenant_id: str
    outbound_prefixes: tuple[str, ...]
    shared_with: tuple[str, ...] = ()
    outbound_host: str | None = "carrier.example"


ALICE = DialScope("alice", DialRules(("+49*", "+1555*"), ("+49900*",)))
TRUNKS = (
    Trunk("bob-de", "bob", ("+49",)),
    Trunk("op-world", "operator", ("+",), shared_with=("alice",)),
    Trunk("alice-de", "alice", ("+49",)),
    Trunk("alice-in", "alice", ("+",), outbound_host=None),
)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+4930123", "alice-de"),  # own trunk before the shared one and before bob's
        ("+15550100", "op-world"),  # only the operator's shared trunk routes it
        ("+4990012", "refused: dial rules"),  # a denied premium number
        ("+33123456", "refused: dial rules"),  # not allowed at all
        ("4930 123", "refused: not a phone number"),
        ("+49;evil=1", "refused: not a phone number"),
        ("+", "refused: not a phone number"),
        ("+４９30", "refused: not a phone number"),  # full-width digits
    ],
)
def test_choose_trunk(number: str, expected: str) -> None:
    chosen = choose_trunk(ALICE, number, TRUNKS)
    if expected.startswith("refused"):
        assert isinstance(chosen, Refused) and chosen.status == FORBIDDEN
        assert expected.removeprefix("refused: ") in chosen.reason
    else:
        assert not isinstance(chosen, Refused) and chosen.name == expected


def test_a_tenant_without_trunks_gets_none_of_another_tenants() -> None:
    carol = DialScope("carol", DialRules(("+*",)))
    chosen = choose_trunk(carol, "+4930123", TRUNKS)
    assert isinstance(chosen, Refused) and chosen.status == NOT_FOUND
    assert "no trunk of tenant carol" in chosen.reason


def test_the_longest_prefix_wins_among_own_trunks() -> None:
    trunks = (Trunk("any", "alice", ("+",)), Trunk("berlin", "alice", ("+4930",)))
    scope = DialScope("alice", DialRules(("+*",)))
    chosen = choose_trunk(scope, "+4930123", trunks)
    assert not isinstance(chosen, Refused) and chosen.name == "berlin"


def test_no_rules_allow_nothing() -> None:
    refused = number_refusal(DialScope("dave"), "+4930123")
    assert refused is not None and "dial rules of tenant dave" in refused.reason


def test_peers_and_uris() -> None:
    assert peer_refusal(ALICE, "alice", "agent:1") is None
    refused = peer_refusal(ALICE, "bob", "agent:1")
    assert refused is not None and refused.status == NOT_FOUND
    assert uri_refusal(ALICE, "sip:x@evil.example") is not None
    assert uri_refusal(DialScope.lab(), "sip:x@127.0.0.1") is None


@pytest.mark.parametrize(
    ("caller_id", "ok"),
    [("+4930555000", True), ("seatline", True), ("x>;evil=1", False), ("", False)],
)
def test_caller_ids_are_plain_tokens(caller_id: str, ok: bool) -> None:
    assert (caller_id_refusal(caller_id) is None) is ok


def test_a_caller_id_may_be_required_to_be_the_tenants_own() -> None:
    assert caller_id_refusal("+4930555000", ["+4930555000"]) is None
    refused = caller_id_refusal("+4930999999", ["+4930555000"])
    assert refused is not None and "not one of this tenant's numbers" in refused
