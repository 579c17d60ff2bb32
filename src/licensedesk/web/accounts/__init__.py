"""Agencies (the tenants), users and their roles."""
