"""Health and the API's own documentation."""
