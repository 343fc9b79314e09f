"""Who changed what, in which organization, in which request."""
