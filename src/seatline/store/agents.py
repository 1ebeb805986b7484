"""Agents: SIP digest HA1 derivation and skill levels, kept consistent with the tenant's realm."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from seatline.store.errors import InvalidInput, InvalidReference
from seatline.store.models import Agent, AgentSkill, Skill, Tenant
from seatline.store.repo import create_owned, update_owned
from seatline.store.sip import digest_ha1

__all__ = ["create_agent", "update_agent"]


async def _realm(session: AsyncSession, tenant_id: uuid.UUID) -> str:
    domain = await session.scalar(sa.select(Tenant.sip_domain).where(Tenant.id == tenant_id))
    return str(domain)


async def _skill_rows(
    session: AsyncSession, tenant_id: uuid.UUID, skills: list[dict[str, Any]]
) -> list[AgentSkill]:
    wanted = {item["skill_id"]: item["level"] for item in skills}
    if len(wanted) != len(skills):
        raise InvalidInput("a skill is listed twice", {"field": "skills"})
    found = set(
        await session.scalars(
            sa.select(Skill.id).where(Skill.tenant_id == tenant_id, Skill.id.in_(wanted))
        )
    )
    missing = sorted(str(skill_id) for skill_id in wanted if skill_id not in found)
    if missing:
        raise InvalidReference(
            "skills name a skill that is not of this tenant", {"field": "skills", "ids": missing}
        )
    return [AgentSkill(skill_id=skill_id, level=level) for skill_id, level in wanted.items()]


def _credentials(extension: str, realm: str, password: str) -> dict[str, str]:
    return {
        "ha1_md5": digest_ha1(extension, realm, password, "MD5"),
        "ha1_sha256": digest_ha1(extension, realm, password, "SHA-256"),
    }


async def create_agent(
    session: AsyncSession, tenant_id: uuid.UUID, values: dict[str, Any]
) -> Agent:
    """Create an agent; `sip_password` becomes HA1 values and `skills` become skill levels."""
    values = dict(values)
    password = values.pop("sip_password")
    skills = await _skill_rows(session, tenant_id, values.pop("skills", []))
    values |= _credentials(values["extension"], await _realm(session, tenant_id), password)
    values["skills"] = skills
    return await create_owned(session, Agent, tenant_id, values)


async def update_agent(session: AsyncSession, agent: Agent, values: dict[str, Any]) -> Agent:
    """Apply a partial update; a new extension needs the password since HA1 covers it."""
    values = dict(values)
    password = values.pop("sip_password", None)
    if "extension" in values and values["extension"] != agent.extension and password is None:
        raise InvalidInput(
            "changing the extension needs sip_password too (the digest HA1 includes it)",
            {"field": "sip_password"},
        )
    if password is not None:
        extension = values.get("extension", agent.extension)
        values |= _credentials(extension, await _realm(session, agent.tenant_id), password)
    if values.get("skills") is not None:
        agent.skills = await _skill_rows(session, agent.tenant_id, values.pop("skills"))
    values.pop("skills", None)
    return await update_owned(session, agent, values)
