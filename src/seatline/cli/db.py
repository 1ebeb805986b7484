"""The `seatline db` command (to be written)."""
