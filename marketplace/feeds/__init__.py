"""Atom feeds of new tenders, awards and funded projects, per region and category."""
