"""Remediation: the plan of corrections for malformed contact data, and the files that carry it."""
