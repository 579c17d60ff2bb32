"""The tamper-evident audit trail: append-only events, hash-chained per agency with a key kept outside
the database (HMAC-SHA256), and chain heads anchored to a file outside it."""
