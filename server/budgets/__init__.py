"""Budgets of an organization and their progress (seed 004 "Budget Endpoints")."""
