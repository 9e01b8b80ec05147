"""Tooling: the benchmark, the generated deliverables (schema.dbml, sample-responses.json), seed_demo."""
