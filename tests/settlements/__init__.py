"""Runs, remittances, payouts: the API, the commands, async runs, outbox, webhooks, statement, audit, bank CSV."""
