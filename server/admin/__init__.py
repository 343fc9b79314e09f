"""Admin views: the user list, queue statistics and system analytics (seed 004 "Admin")."""
