"""Tooling kept out of the domain: the payroll-scale benchmark, the generators of the customer's
deliverables (`export_dbml`, `export_samples`) and the demo data (`seed_demo`). Nothing imports it."""
