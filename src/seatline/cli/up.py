"""The `seatline up` command (to be written)."""
