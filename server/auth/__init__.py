"""Users, sessions and credentials (seed 004 "Authentication Endpoints")."""
