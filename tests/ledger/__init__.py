"""The double-entry ledger: only balanced entries are posted."""
