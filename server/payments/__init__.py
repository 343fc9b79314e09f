"""Payment provider adapter: Stripe's API through the official `stripe` library."""
