"""Reads of costs, one module per subject: ``explorer`` (totals, series, labels, filter options), ``spend``
(the dashboard's money cards), ``imports`` (billing imports), ``ledger`` (ledger-wide facts), ``exports``
(files of an explorer view), ``daily_series`` (daily spend per scope and the resources behind an increase: the
anomaly detection)."""
