"""Open data: the read API (/api/v1), OCDS 1.1 releases and records (/api/ocds), the change feed and audit roots.

The API only reads. It never calls a service that changes state and never shows what the public pages hide:
sealed bids, personal data, contracts awaiting signatures, draft tenders and catalog drafts.
"""
