"""AI impact monitoring: a Korean exposure index, indicators, early warnings and reports."""
