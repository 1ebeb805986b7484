"""Every outbound leg is placed for a tenant (issue 11, findings 1 and 4).

A property over random tenants, trunks and dial rules runs the switch's own target resolution;
a table runs every API that creates an outbound leg on a running switch whose carriers are two
UDP sockets, and checks which carrier (if any) got the INVITE.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatline.guard.outbound import DialRules, DialScope
from seatline.switch import Call, SwitchConfig, SwitchService, TrunkConfig, outbound
from seatline.switch.core import SipCore, new_tag
from seatline.switch.errors import TargetNotFound, TargetRefused
from seatline.switch.fork import ring
from seatline.switch.leg import Leg
from seatline.switch.registrar import Binding

from .harness import InviteRecorder, free_port

TENANTS = ("alice", "bob", "carol", "")
digits = st.text("0123456789", min_size=1, max_size=6)
numbers = st.builds(lambda plus, body: ("+" if plus else "") + body, st.booleans(), digits)
prefixes = st.builds(
    lambda plus, body: ("+" if plus else "") + body,
    st.booleans(),
    st.text("0123456789", max_size=3),
)
patterns = st.builds(lambda p, star: p + ("*" if star else ""), prefixes, st.booleans())


@st.composite
def worlds(draw: st.DrawFn) -> tuple[tuple[TrunkConfig, ...], dict[str, DialRules]]:
    """Random trunks of random owners, shared at random, and random dial rules per tenant."""
    trunks = tuple(
        TrunkConfig(
            f"t{i}",
            outbound_host=draw(st.sampled_from(["carrier.example", None])),
            outbound_prefixes=tuple(draw(st.lists(prefixes, max_size=3))),
            tenant_id=draw(st.sampled_from(TENANTS)),
            shared_with=tuple(draw(st.lists(st.sampled_from(TENANTS), max_size=2))),
        )
        for i in range(draw(st.integers(0, 6)))
    )
    rules = {
        tenant: DialRules(
            tuple(draw(st.lists(patterns, max_size=3))), tuple(draw(st.lists(patterns, max_size=2)))
        )
        for tenant in TENANTS
    }
    return trunks, rules


def may_use(trunk: TrunkConfig, tenant: str) -> bool:
    return trunk.tenant_id == tenant or tenant in trunk.shared_with


@settings(max_examples=300, deadline=None)
@given(worlds(), st.sampled_from(TENANTS), numbers, st.sampled_from(TENANTS))
def test_no_leg_uses_a_forbidden_trunk_or_dials_outside_the_rules(
    world: tuple[tuple[TrunkConfig, ...], dict[str, DialRules]],
    tenant: str,
    number: str,
    agent_tenant: str,
) -> None:
    trunks, rules = world
    scopes = tuple(DialScope(t, rules[t]) for t in TENANTS if t != "carol")  # carol: no scope
    core = SipCore(SwitchConfig(trunks=trunks, scopes=scopes))
    # A registered agent of some tenant, to try `agent:` targets across tenants too.
    core.registrar._bindings["a@x"] = {  # test-only: a binding without a REGISTER
        "sip:a@127.0.0.1": Binding(
            "a@x", "sip:a@127.0.0.1", 1e12, "UDP", "127.0.0.1", 9, "a1", agent_tenant
        )
    }
    allowed_by_rules = tenant in rules and tenant != "carol" and rules[tenant].allows(number)
    usable = [
        t
        for t in trunks
        if t.outbound_host
        and may_use(t, tenant)
        and any(number.startswith(p) for p in t.outbound_prefixes)
    ]
    try:
        (destination,) = outbound.resolve_targets(core, number, tenant)
    except TargetRefused:
        assert not (allowed_by_rules and usable)
    except TargetNotFound:
        assert not (allowed_by_rules and usable)
    else:
        trunk = destination.trunk
        assert trunk is not None and may_use(trunk, tenant)
        assert allowed_by_rules, f"{number} dialled for {tenant!r} against its rules"
    # Agents: only the tenant's own.
    try:
        reached = outbound.resolve_targets(core, "agent:a1", tenant)
    except TargetNotFound:
        assert agent_tenant != tenant
    else:
        assert agent_tenant == tenant and len(reached) == 1
    # Bare URIs: never for a tenant scope.
    with pytest.raises(TargetNotFound):
        outbound.resolve_targets(core, "sip:someone@evil.example", tenant)


# -- every API that creates an outbound leg, on a running switch --------------------------
@dataclass
class World:
    service: SwitchService
    carriers: dict[str, InviteRecorder]


@pytest.fixture
async def world() -> AsyncIterator[World]:
    """Alice and Bob own a trunk each for +49; the operator shares one for +1 with Alice."""
    carriers = {name: InviteRecorder() for name in ("alice", "bob", "operator")}

    def trunk(owner: str, prefix: str, shared: tuple[str, ...] = ()) -> TrunkConfig:
        return TrunkConfig(
            f"{owner}-out",
            outbound_host="127.0.0.1",
            outbound_port=carriers[owner].port,
            outbound_prefixes=(prefix,),
            tenant_id=owner,
            shared_with=shared,
        )

    config = SwitchConfig(
        trunks=(trunk("alice", "+49"), trunk("bob", "+49"), trunk("operator", "+1", ("alice",))),
        scopes=(
            DialScope("alice", DialRules(("+4930*", "+1555*"))),
            DialScope("bob", DialRules(("+49*", "+1*"))),
            DialScope("carol", DialRules(("+*",))),  # allowed anything, owns no trunk
        ),
        ring_timeout=0.3,
    )
    service = SwitchService(config, demo_numbers=False)
    low = max(20000, min(free_port(), 60000))
    await service.start("127.0.0.1", 0, (low, low + 200))
    try:
        yield World(service, carriers)
    finally:
        await service.stop()
        for carrier in carriers.values():
            carrier.close()


async def tenant_call(core: SipCore, tenant: str) -> Call:
    """A call of `tenant` as a flow or the ACD holds it (an inbound leg with media)."""
    leg = Leg(
        new_tag(),
        new_tag(),
        "<sip:9100@x>",
        "<sip:caller@x>",
        "sip:caller@127.0.0.1:9",
        ("127.0.0.1", 9),
        "UDP",
        inbound=True,
    )
    call = Call(core, leg, number="9100", caller="+4930999", inbound=True)
    call.tenant_id = tenant
    assert core.media is not None
    call.attach_media(await core.media.open_session())
    return call


Path = Callable[[SipCore, str, str], Awaitable[int]]


async def by_dial(core: SipCore, tenant: str, number: str) -> int:
    """`outbound.dial`, as the switch's own API offers it."""
    try:
        call = await outbound.dial(core, number, tenant_id=tenant)
    except TargetNotFound as refused:
        return refused.status
    status = await call.wait_answer(0.3)
    call.terminate("test")
    return status


async def by_ring(core: SipCore, tenant: str, number: str) -> int:
    """`fork.ring`: a campaign's dial, a callback's first leg."""
    _, status = await ring(core, number, tenant_id=tenant, timeout=0.3)
    return status


async def by_reach(core: SipCore, tenant: str, number: str) -> int:
    """`Call.reach`: a callback's customer leg, a supervisor, an agent offer."""
    call = await tenant_call(core, tenant)
    _, status = await call.reach(number, timeout=0.3)
    call.terminate("test")
    return status


async def by_transfer(core: SipCore, tenant: str, number: str) -> int:
    """`Call.transfer`: a flow's transfer node, a REFER from an agent's phone."""
    call = await tenant_call(core, tenant)
    status = await call.transfer(number)
    call.terminate("test")
    return status


PATHS = {"dial": by_dial, "ring": by_ring, "reach": by_reach, "transfer": by_transfer}
CASES = [
    # tenant, number, the carrier that must get the INVITE (None: nobody), status when refused
    ("alice", "+4930111", "alice", None),  # its own trunk, although Bob's routes +49 too
    ("bob", "+4930222", "bob", None),  # and Bob's goes through Bob's
    ("alice", "+15550100", "operator", None),  # the operator shares +1 with Alice
    ("bob", "+15550200", None, 404),  # ...not with Bob
    ("carol", "+4930333", None, 404),  # no trunk of her own: never Alice's or Bob's
    ("alice", "+4989123", None, 403),  # outside Alice's rules (finding 4: callbacks too)
    ("", "+4930444", None, 403),  # a leg of no tenant dials nothing out
    ("alice", "sip:x@127.0.0.1:9", None, 403),  # nor a bare URI of anyone's choosing
]


@pytest.mark.parametrize("path", sorted(PATHS))
async def test_every_path_that_makes_a_leg_obeys_the_policy(world: World, path: str) -> None:
    core = world.service.core
    # Each case dials its own number: INVITE retransmissions of an earlier case never count.
    for tenant, number, carrier, refused_status in CASES:
        status = await PATHS[path](core, tenant, number)
        await asyncio.sleep(0.05)  # the INVITE, if any, is on its way over loopback
        reached = [name for name, c in world.carriers.items() if c.got(number)]
        case = (path, tenant, number)
        if carrier is None:
            assert reached == [], case
            assert status == refused_status, case
        else:
            assert reached == [carrier], case
            assert status in (408, 487), case  # the carrier socket never answers
