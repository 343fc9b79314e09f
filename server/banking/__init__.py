"""Bank connections, accounts, transactions and their syncs (seeds 004 Banking, 000)."""
