"""The organization of a request: resolved once, enforced by PostgreSQL row-level security."""
