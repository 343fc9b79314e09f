"""Organizations, members and invitations (seed 004 "Organization Endpoints")."""
