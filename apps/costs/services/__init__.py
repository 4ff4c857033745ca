"""Writes of costs, one module per subject: ``imports`` (billing file imports; ``import_run`` streams one into
the ledger), ``provider_costs`` (a plugin's native cost lines), ``rollups`` (daily, monthly and tag rollups),
``ledger`` (replacing one source's rows)."""
