"""Seatline: an open-source cloud call center."""

__version__ = "0.1.0"
