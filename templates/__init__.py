"""Jinja2 templates and inline assets for the HTML report (package data)."""
