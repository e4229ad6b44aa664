# Checks for contributors; .ci/run runs the same from a clean clone.
# Run inside the project's virtual environment (pip install -e ".[test]").

.PHONY: check test lint types format

check: test lint types  ## everything CI runs

test:  ## the whole suite, two workers
	pytest -n 4

lint:  ## ruff's rules and formatting
	ruff check .
	ruff format --check .

types:  ## mypy, configured in pyproject.toml
	mypy sspr_audit

format:  ## rewrite files to ruff's format
	ruff format .
