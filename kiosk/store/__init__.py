"""The durable store: SQLAlchemy models on SQLite, the append-only event log, and migrations."""
