"""Bank-aggregator adapters (Plaid, Teller) behind one interface (server/providers/base.py)."""
