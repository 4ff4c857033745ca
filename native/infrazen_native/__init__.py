"""InfraZen's compiled helpers: ``_rows.join_rows`` assembles binary COPY rows (apps/common/pgbinary.py)."""
