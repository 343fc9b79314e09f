"""The plan catalog (FREE, PRO, ULTIMATE) and the one plan-limit check (seed 004 "PBAC")."""
