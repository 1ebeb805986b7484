"""The `seatline staffing` command (to be written)."""
