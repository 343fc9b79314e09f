"""Idempotency keys (DESIGN.md "Idempotency"): a retried create answers its first result.

The contract marks the RPCs (`(fingate.common.v1.idempotent) = true`); the interceptor
(server/platform/interceptors/idempotency.py) applies the rule; keys.py holds the pure parts
(validation, fingerprint, lifetimes), repository.py the SQL, models.py the table.
"""
