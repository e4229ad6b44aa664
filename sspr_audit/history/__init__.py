"""Run history: every run recorded in a local SQLite file, and what changed between two runs."""
