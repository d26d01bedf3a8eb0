"""Deduction lists: the overview, a list with its deviations, handling, posting, reports."""
