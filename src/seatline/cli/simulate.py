"""The `seatline simulate` command (to be written)."""
