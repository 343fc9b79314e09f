"""Savings goals (seed 004 "Goals Endpoints")."""
