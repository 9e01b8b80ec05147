"""The audit trail: events, the API, the database guard."""
