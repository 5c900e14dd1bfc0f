"""Public statistics (统计): spend, projects, beneficiaries, organizations, scores and need replies, as charts
with the same numbers in tables and CSV."""
