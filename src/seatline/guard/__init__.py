"""Guards: what tenants and strangers may reach and use (pure rules, no I/O)."""
