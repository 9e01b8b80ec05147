"""What only the database enforces (constraints, triggers) and what holds under real concurrency (PostgreSQL)."""
