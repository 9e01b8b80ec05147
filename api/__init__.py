"""The HTTP plumbing every app's API uses: authentication, permissions, fields, pagination,
idempotency keys (and their model), parsers, the exception handler and OpenAPI helpers.

Depends on `core` only; the domain apps' models, services and selectors never import it."""
