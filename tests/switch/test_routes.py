"""In-dialog requests follow the route set and the remote target (RFC 3261 §12.2.1.1)."""

from __future__ import annotations

from seatline.sip import Headers, SipRequest
from seatline.switch import Call
from seatline.switch.leg import Leg, next_hop, record_route, request_target

from .conftest import SwitchUnderTest, needs_sipp
from .harness import run_sipp


def _leg(route_set: list[str]) -> Leg:
    return Leg(
        call_id="c1",
        local_tag="t1",
        local_uri="<sip:9000@192.0.2.1>",
        remote_uri="<sip:bob@192.0.2.9>",
        remote_target="sip:bob@10.0.0.7:5062",
        address=("198.51.100.4", 40000),
        transport="UDP",
        inbound=True,
        route_set=route_set,
    )


def test_record_route_entries_are_read_top_first() -> None:
    headers = Headers()
    headers.add("Record-Route", "<sip:p1.example.com;lr>, <sip:192.0.2.50:5070;lr>")
    headers.add("Record-Route", "<sip:192.0.2.60;lr>")
    request = SipRequest("INVITE", "sip:9000@192.0.2.1", headers)
    assert record_route(request) == [
        "<sip:p1.example.com;lr>",
        "<sip:192.0.2.50:5070;lr>",
        "<sip:192.0.2.60;lr>",
    ]


def test_without_routes_requests_go_where_the_peer_sends_from() -> None:
    leg = _leg([])
    assert request_target(leg) == ("sip:bob@10.0.0.7:5062", [])
    assert next_hop(leg) == ("198.51.100.4", 40000)  # not the private Contact


def test_loose_routes_go_in_route_headers_and_the_first_is_the_next_hop() -> None:
    leg = _leg(["<sip:192.0.2.50:5070;lr>", "<sip:192.0.2.60;lr>"])
    assert request_target(leg) == (
        "sip:bob@10.0.0.7:5062",
        ["<sip:192.0.2.50:5070;lr>", "<sip:192.0.2.60;lr>"],
    )
    assert next_hop(leg) == ("192.0.2.50", 5070)
    assert next_hop(_leg(["<sip:192.0.2.60;lr>"])) == ("192.0.2.60", 5060)


def test_a_strict_router_becomes_the_request_uri() -> None:
    leg = _leg(["<sip:192.0.2.50>", "<sip:192.0.2.60;lr>"])
    assert request_target(leg) == (
        "sip:192.0.2.50",
        ["<sip:192.0.2.60;lr>", "<sip:bob@10.0.0.7:5062>"],
    )
    assert next_hop(leg) == ("192.0.2.50", 5060)


def test_a_route_by_name_falls_back_to_the_source_address() -> None:
    assert next_hop(_leg(["<sip:edge.example.com;lr>"])) == ("198.51.100.4", 40000)


@needs_sipp
async def test_bye_follows_record_route_and_the_callers_contact(switch: SwitchUnderTest) -> None:
    async def short(call: Call) -> None:
        await call.answer()  # then the application ends and the switch sends BYE

    switch.router.add("7900", short)
    result = await run_sipp(
        "uac_record_route.xml", switch.port, switch.sipp_port, "-m", "1", service="7900"
    )
    assert result.returncode == 0, result.errors[:2000]
