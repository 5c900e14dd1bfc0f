"""Search (全文检索): tenders, funded projects, organizations, catalog items and needs, in Chinese."""
