"""The live contact center: joins the switch's calls to the routing engine, flows and store."""

from seatline.live.acd import LiveAcd, OfferRecord, QueueOutcome, QueueResult

__all__ = ["LiveAcd", "OfferRecord", "QueueOutcome", "QueueResult"]
