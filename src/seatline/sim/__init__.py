"""seatline.sim: a discrete-event simulator that runs the real routing engine in virtual time.

    scenario = load_scenario("center.yaml")      # or YAML text
    report = simulate(scenario, seed=7)          # SimulationReport
    report.queues["sales"].service_level

The scenario format is documented in docs/simulation.md; examples live in sim/examples/.
Outbound campaigns run the real `seatline.dialer` the same way: `simulate_campaign(
standard_scenario(), DialMode.PREDICTIVE)`, and `simulate_manual` is the hand-dialing baseline.
"""

from .campaign import simulate_campaign
from .campaign_report import CampaignReport
from .campaign_scenario import CampaignScenario, standard_scenario
from .distributions import Distribution, Kind
from .durations import parse_duration
from .errors import ScenarioError, SimError
from .manual import simulate_manual
from .report import AgentsReport, QueueReport, SimulationReport
from .runner import Progress, simulate
from .scenario import (
    AgentGroup,
    ArrivalStream,
    Interval,
    Scenario,
    TraceRow,
    load_scenario,
    scenario_from_dict,
)
from .sweep import SweepPoint, scale_agents, sweep

__all__ = [
    "AgentGroup",
    "AgentsReport",
    "ArrivalStream",
    "CampaignReport",
    "CampaignScenario",
    "Distribution",
    "Interval",
    "Kind",
    "Progress",
    "QueueReport",
    "Scenario",
    "ScenarioError",
    "SimError",
    "SimulationReport",
    "SweepPoint",
    "TraceRow",
    "load_scenario",
    "parse_duration",
    "scale_agents",
    "scenario_from_dict",
    "simulate",
    "simulate_campaign",
    "simulate_manual",
    "standard_scenario",
    "sweep",
]
