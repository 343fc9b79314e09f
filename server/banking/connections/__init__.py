"""Bank connections' lifecycle (seed 000): list, detail, reconnect, disconnect, delete."""
