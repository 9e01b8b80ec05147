"""The HTTP plumbing every endpoint shares: auth, roles, pagination, idempotency, bad input, query counts, OpenAPI."""
