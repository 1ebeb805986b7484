"""seatline.guard — what the node may reach on a tenant's behalf (pure checks, no I/O)."""
