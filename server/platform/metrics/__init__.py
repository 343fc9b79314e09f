"""Request metrics: counted in memory per minute and route, added to PostgreSQL in batches."""
