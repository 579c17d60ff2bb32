"""The tamper-evident audit trail: append-only events, SHA-256 hash-chained per agency."""
