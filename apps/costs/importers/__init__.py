"""Billing file import: detect the format, stream it in batches, validate and normalize to FOCUS 1.2,
then replace the ledger rows of the same sources with one COPY inside one transaction."""
