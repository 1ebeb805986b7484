"""Guards: what tenants and strangers may reach and use, as pure rules (no I/O)."""
