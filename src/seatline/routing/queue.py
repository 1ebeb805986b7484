"""Runtime record of one queue: compiled requirement levels, lanes, and strategy keys.

Level 0 is the queue's own requirement; each RELAX overflow step adds one level with the
step's requirement. An agent is a member of a level when that level's requirement could
match its skills (computed once per agent/queue change, never per decision).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from .config import Channel, OverflowAction, QueueConfig, Strategy
from .expr import Requirement
from .lanes import AgentKey, AgentPool, Lane, PoolKey

if TYPE_CHECKING:
    from .agent import Agent
    from .contact import Contact

RequirementCompiler = Callable[[str], Requirement]
PoolFinder = Callable[[PoolKey, AgentKey, bool], AgentPool]


HANDLE_WINDOW = 50  # handle times averaged over about this many recent contacts
DEFAULT_TALK_TIME = 180.0  # assumed talk seconds until a queue has measured one contact


class HandleTime:
    """Recent handle time (talk + wrap-up) of one queue and channel."""

    __slots__ = ("count", "mean")

    def __init__(self) -> None:
        # The engine updates both inline when a contact finishes (once per contact): the
        # plain mean of the first HANDLE_WINDOW contacts, then an exponential average that
        # weighs the last ~HANDLE_WINDOW, so the estimate follows the day's traffic.
        self.count = 0
        self.mean = 0.0

    def seconds(self, wrap_up: float) -> float:
        """The measured mean, or a typical talk time plus `wrap_up` before any measure."""
        return self.mean if self.count else DEFAULT_TALK_TIME + wrap_up


class Queue:
    """A queue's config plus everything precomputed from it."""

    __slots__ = (
        "aging",
        "best_skill",
        "callbacks",
        "config",
        "handling",
        "lanes",
        "levels",
        "linear_rank",
        "members",
        "name",
        "rng",
        "rr_seq",
        "step_level",
        "strategy",
        "waiting",
    )

    def __init__(
        self,
        config: QueueConfig,
        compile_: RequirementCompiler,
        pool_for: PoolFinder,
        rng: random.Random,
    ) -> None:
        self.name = config.name
        self.rng = rng
        self.rr_seq = 0
        self.waiting: dict[str, Contact] = {}  # home contacts STICKY or WAITING, by arrival
        self.callbacks = 0
        self.members: dict[str, Agent] = {}  # agents of any level, kept by the engine's joins
        self.handling = {channel: HandleTime() for channel in Channel}  # for expected_wait
        self.configure(config, compile_, pool_for)

    def configure(
        self, config: QueueConfig, compile_: RequirementCompiler, pool_for: PoolFinder
    ) -> None:
        """(Re)build levels, lanes and strategy data from `config` (lanes start empty)."""
        self.config = config
        self.strategy = config.strategy
        self.aging = config.priority_aging_per_second
        base = compile_(config.requirement) if config.requirement else None
        self.levels: list[Requirement | None] = [base]
        self.step_level: dict[int, int] = {}
        for index, step in enumerate(config.overflow):
            if step.action is OverflowAction.RELAX and step.requirement is not None:
                self.step_level[index] = len(self.levels)
                self.levels.append(compile_(step.requirement) if step.requirement else None)
        skill = config.best_skill
        if skill is None and base is not None and base.skills:
            skill = base.skills[0]
        self.best_skill = skill
        count = len(config.linear_order)
        self.linear_rank = {agent_id: i - count for i, agent_id in enumerate(config.linear_order)}
        signature = self.signature()
        key = make_agent_key(self.strategy, self.name, self.best_skill, self.linear_rank, self.rng)
        fast = self.strategy is Strategy.LONGEST_IDLE
        self.lanes: dict[tuple[int, Channel], Lane] = {}
        for level, requirement in enumerate(self.levels):
            text = requirement.text if requirement is not None else None
            for channel in Channel:
                pool = pool_for((text, channel, signature), key, fast)
                self.lanes[(level, channel)] = Lane(self.name, level, requirement, pool)

    def signature(self) -> Hashable:
        """What the strategy's agent key depends on; equal signatures may share agent pools."""
        strategy = self.strategy
        if strategy is Strategy.RING_ALL:
            strategy = Strategy.LONGEST_IDLE  # same ranking; ring-all just takes everyone
        if strategy is Strategy.ROUND_ROBIN:
            return (strategy, self.name)  # the memory belongs to the queue
        if strategy is Strategy.BEST_SKILL:
            return (strategy, self.best_skill)
        if strategy is Strategy.LINEAR:
            return (strategy, self.config.linear_order)
        return (strategy,)

    def member_levels(
        self, agent: Agent, memo: dict[Requirement, bool] | None = None
    ) -> tuple[int, ...]:
        """The requirement levels whose agents may include `agent` (`memo` caches per agent)."""
        skills = agent.config.skills
        levels: list[int] = []
        for level, requirement in enumerate(self.levels):
            if requirement is None:
                levels.append(level)
                continue
            known = None if memo is None else memo.get(requirement)
            if known is None:
                known = requirement.could_match(skills)
                if memo is not None:
                    memo[requirement] = known
            if known:
                levels.append(level)
        return tuple(levels)

    def note_offer(self, agent: Agent) -> None:
        """Remember an offer for ROUND_ROBIN."""
        self.rr_seq += 1
        agent.rr_memory[self.name] = self.rr_seq


def make_agent_key(
    strategy: Strategy,
    queue: str,
    best_skill: str | None,
    linear_rank: dict[str, int],
    rng: random.Random,
) -> AgentKey:
    """The ranking key of `strategy` (smaller is offered first), as a closure over its data."""
    if strategy is Strategy.LONGEST_IDLE or strategy is Strategy.RING_ALL:
        return lambda agent, channel, pool: (agent.last_free[channel], 0.0)
    if strategy is Strategy.ROUND_ROBIN:
        # The queue's memory: the agent offered longest ago (or never) comes next.
        return lambda agent, channel, pool: (float(agent.rr_memory.get(queue, -1)), 0.0)
    if strategy is Strategy.FEWEST_CONTACTS:
        return lambda agent, channel, pool: (float(agent.answered), agent.last_free[channel])
    if strategy is Strategy.LEAST_TALK_TIME:
        return lambda agent, channel, pool: (agent.talk_time, agent.last_free[channel])
    if strategy is Strategy.LINEAR:
        return lambda agent, channel, pool: (float(linear_rank.get(agent.agent_id, 0)), 0.0)
    if strategy is Strategy.BEST_SKILL:
        skill = best_skill or ""
        return lambda agent, channel, pool: (
            -float(agent.config.skills.get(skill, 0)),
            agent.last_free[channel],
        )
    weighted = strategy is Strategy.WEIGHTED_RANDOM

    # RANDOM / WEIGHTED_RANDOM: an exponential race. Each available agent holds
    # clock + Exp(weight); the minimum wins with probability weight / total weight, and because
    # the exponential is memoryless the race stays fair for agents that join later (the pool
    # clock is the key of the last winner).
    def race(agent: Agent, channel: Channel, pool: AgentPool) -> tuple[float, float]:
        weight = agent.config.weight if weighted else 1.0
        return (pool.clock - math.log(1.0 - rng.random()) / weight, 0.0)

    return race
