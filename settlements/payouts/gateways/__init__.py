"""The payout gateway adapters (`settlements.gateway` is their port): `manual` never submits,
`simulated` is a fake provider for demos and tests. Each is loaded by its dotted path."""
