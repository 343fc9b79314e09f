"""The sync engine: provider data into the bank tables, on the job queue (queue `bank-sync`)."""
