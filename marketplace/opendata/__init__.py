"""Bulk downloads at /data/: CSV, Excel and JSON Lines of the public tables, each with its data dictionary."""
