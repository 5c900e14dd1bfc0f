"""Outcome reports, milestone evaluations and residents' ratings."""
