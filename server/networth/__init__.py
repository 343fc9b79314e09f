"""Net worth: asset accounts valued by hand, beside bank accounts and crypto wallets."""
