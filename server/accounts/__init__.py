"""Dashtam's account operations (seed 003) over the shared bank data model."""
