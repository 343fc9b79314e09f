"""Subscriptions to the plan catalog (seed 004 "Subscription Endpoints")."""
