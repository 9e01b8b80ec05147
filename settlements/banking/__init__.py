"""Money that leaves through a bank: payees' bank details (`accounts`, the models), ISO 20022
credit-transfer files out (`pain001`) and payment-status reports in (`pain002`).

The models live in `settlements.banking.models` (imported by `settlements.models`, so they belong
to the `settlements` app); the services that change them are in `settlements.services` (`payees`,
`sepa_files`, `bank_reports`), the reads in `settlements.selectors.payees`.
"""
