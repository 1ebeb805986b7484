"""The demo tenant `seatline up --demo` seeds: queues, agents, a flow, numbers and logins.

Seeding is idempotent: when the demo tenant exists nothing is written, and everything is
written in one transaction, so a crash never leaves half a demo behind. The passwords are
public on purpose; never use the demo tenant on a machine reachable from the internet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.config import Settings
from seatline.store.agents import create_agent
from seatline.store.db import Database
from seatline.store.enums import QueueStrategy, Role, TrunkDirection
from seatline.store.lookups import create_lookup_table, upsert_rows
from seatline.store.models import (
    BusinessHours,
    Disposition,
    Flow,
    Holiday,
    Number,
    Queue,
    ReasonCode,
    Skill,
    Tenant,
    Trunk,
)
from seatline.store.users import create_user

__all__ = ["DEMO_SLUG", "DemoLogin", "describe_demo", "seed_demo"]

DEMO_SLUG = "demo"
DEMO_DOMAIN = "demo.seatline.test"  # .test is reserved (RFC 2606): never a real domain
DEMO_E164 = "+4930123456"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A login the demo prints: who, password and what it is for."""

    username: str
    password: str
    role: str


USERS = (
    DemoLogin("admin@demo", "demo-admin", Role.TENANT_ADMIN),
    DemoLogin("supervisor@demo", "demo-supervisor", Role.SUPERVISOR),
    DemoLogin("platform@demo", "demo-platform", Role.PLATFORM_ADMIN),
)
AGENTS = (
    # extension, name, skills (name → level)
    ("1001", "Ada Sales", {"sales": 8, "english": 9}),
    ("1002", "Ben Sales", {"sales": 5, "german": 9}),
    ("1003", "Cleo Support", {"support": 9, "english": 7}),
    ("1004", "Dan Support", {"support": 6, "german": 8, "sales": 2}),
)
DEMO_SHORT = "9100"  # the demo menu on a short number, easy to dial from a softphone
# The demo menu: self-service order status on 1, the support queue on 2 (see the YAML).
MAIN_FLOW: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "flows" / "examples" / "demo.yaml").read_text()
)
SUPPORT_FLOW: dict[str, Any] = {
    "name": "demo-support",
    "version": 1,
    "start": "support",
    "nodes": {
        "support": {
            "type": "enqueue",
            "queue": "support",
            "outcomes": {"rejected": "message", "timeout": "message", "voicemail": "message"},
        },
        "message": {"type": "voicemail", "say": "Please leave a message.", "max_seconds": 60},
    },
}
# Orders the self-service branch finds (key: the eight-digit order number).
ORDERS = {
    "12345678": "shipped",
    "87654321": "being packed",
    "11223344": "delivered",
}


def sip_password(extension: str) -> str:
    """Return the public demo SIP password of an extension."""
    return f"demo-{extension}"


def agent_username(extension: str) -> str:
    """Return the demo login of an agent."""
    return f"agent{extension}@demo"


async def _seed(session: AsyncSession, today: dt.date) -> None:
    tenant = Tenant(
        name="Demo Call Center",
        slug=DEMO_SLUG,
        time_zone="Europe/Berlin",
        seat_count=4,
        sip_domain=DEMO_DOMAIN,
    )
    session.add(tenant)
    await session.flush()
    tid = tenant.id
    skills = {
        name: Skill(tenant_id=tid, name=name) for name in ("sales", "support", "english", "german")
    }
    session.add_all(skills.values())
    session.add_all(
        [
            Queue(
                tenant_id=tid,
                name="sales",
                strategy=QueueStrategy.LONGEST_IDLE,
                skill_expression="sales >= 1",
                wrapup_seconds=10,
                max_wait_seconds=600,
                overflow=[{"after_seconds": 120, "action": "queue", "target": "support"}],
            ),
            Queue(
                tenant_id=tid,
                name="support",
                strategy=QueueStrategy.BEST_SKILL,
                skill_expression="support >= 1",
                wrapup_seconds=15,
                max_length=20,
                overflow=[{"after_seconds": 300, "action": "voicemail", "target": None}],
            ),
        ]
    )
    await session.flush()
    for extension, name, levels in AGENTS:
        agent = await create_agent(
            session,
            tid,
            {
                "extension": extension,
                "display_name": name,
                "sip_password": sip_password(extension),
                "skills": [
                    {"skill_id": skills[skill].id, "level": level}
                    for skill, level in levels.items()
                ],
            },
        )
        # Logged in and ready from the start (four agents, four seats): a softphone
        # registered as one of them gets the demo's calls at once; an agent with no phone
        # is paused ("no-phone") until one registers.
        agent.logged_in = True
        agent.logged_in_at = agent.state_changed_at = dt.datetime.now(dt.UTC)
        agent.ready = True
        await create_user(
            session,
            Role.PLATFORM_ADMIN,
            tid,
            {
                "username": agent_username(extension),
                "password": "demo-agent",
                "role": Role.AGENT,
                "display_name": name,
                "agent_id": agent.id,
            },
        )
    for login in USERS:
        await create_user(
            session,
            Role.PLATFORM_ADMIN,
            tid,
            {"username": login.username, "password": login.password, "role": login.role},
        )
    main = Flow(tenant_id=tid, name="demo-main", definition=MAIN_FLOW)
    support = Flow(tenant_id=tid, name="demo-support", definition=SUPPORT_FLOW)
    session.add_all([main, support])
    await session.flush()
    session.add_all(
        [
            Number(tenant_id=tid, number=DEMO_E164, flow_id=main.id, description="demo menu"),
            Number(tenant_id=tid, number=DEMO_SHORT, flow_id=main.id, description="demo menu"),
        ]
    )
    weekdays = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(5)]
    session.add(BusinessHours(tenant_id=tid, name="office", ranges=weekdays))
    # The demo's support line is open around the clock, so a first call at night still
    # reaches the menu (the closed branch is there to read, and to try by editing this).
    always = [{"weekday": day, "start": "00:00", "end": "24:00"} for day in range(7)]
    session.add(BusinessHours(tenant_id=tid, name="support-hours", ranges=always))
    orders = await create_lookup_table(session, tid, "orders", "order", ["order", "status"])
    await upsert_rows(
        session, orders, {key: {"order": key, "status": status} for key, status in ORDERS.items()}
    )
    for year in (today.year, today.year + 1):
        session.add(Holiday(tenant_id=tid, date=dt.date(year, 1, 1), name="New Year's Day"))
        session.add(Holiday(tenant_id=tid, date=dt.date(year, 12, 25), name="Christmas Day"))
    for code, label in (("break", "Break"), ("lunch", "Lunch"), ("training", "Training")):
        session.add(ReasonCode(tenant_id=tid, code=code, label=label))
    for code, label in (("resolved", "Resolved"), ("callback", "Call back"), ("sale", "Sale")):
        session.add(Disposition(tenant_id=tid, code=code, label=label))
    # A lab trunk so a SIP tester on this machine (e.g. `sipp -sn uac -s 9000 127.0.0.1:5060`)
    # may call in without digest; 127.0.0.1 only, so the demo trusts nobody on the network
    # (nor another loopback address a test uses as a stranger).
    session.add(
        Trunk(
            tenant_id=tid,
            name="local-lab",
            direction=TrunkDirection.INBOUND,
            match_source="127.0.0.1",
        )
    )
    await session.flush()


async def seed_demo(database: Database, today: dt.date | None = None) -> bool:
    """Create the demo tenant unless it exists; return True when it was created now."""
    async with database.transaction() as session:
        exists = await session.scalar(sa.select(Tenant.id).where(Tenant.slug == DEMO_SLUG))
        if exists is not None:
            return False
        await _seed(session, today or dt.date.today())
    return True


def describe_demo(settings: Settings) -> str:
    """Return the text telling a human how to log in and register a softphone."""
    sip_host = "127.0.0.1" if settings.sip_host in ("0.0.0.0", "::") else settings.sip_host
    lines = [
        "Seatline demo tenant is ready.",
        f"  Web/API:  {settings.http_url}/  (API docs: {settings.http_url}/docs)",
    ]
    lines += [f"  Login:    {u.username} / {u.password}  ({u.role})" for u in USERS]
    lines.append("  Agents:   agent1001@demo … agent1004@demo / demo-agent")
    lines.append("  Softphone (SIP account), e.g. for extension 1001:")
    lines.append(f"    user 1001, domain {DEMO_DOMAIN}, password {sip_password('1001')},")
    lines.append(f"    server (outbound proxy) {sip_host}:{settings.sip_port}")
    lines.append("    (1002–1004 likewise, password demo-<extension>)")
    lines.append(
        f"  Numbers:  {DEMO_SHORT} or {DEMO_E164} (demo menu: 1 order status, e.g. 12345678#; "
        "2 support queue, answered by 1003/1004)"
    )
    lines.append(
        "  Test numbers built into the switch: 9000 (a prompt in a loop), 9001 (echo test);"
        " their calls are recorded in the caller's tenant"
    )
    lines.append("  A SIP tester on this machine may call in without a password (trunk local-lab).")
    return "\n".join(lines)
