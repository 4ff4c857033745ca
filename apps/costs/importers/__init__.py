"""Billing file parsing: detect the format, stream it in batches, validate and normalize to FOCUS 1.2.
Loading the normalized batches into the ledger is ``apps.costs.services.import_run``."""
