"""Packages for setuptools: every subpackage of sspr_audit is found (so a new one
cannot drop out of the wheel), and the top-level templates/ folder ships inside
the wheel as the package sspr_audit.templates. Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["sspr_audit", "sspr_audit.*"]), "sspr_audit.templates"],
    package_dir={"sspr_audit.templates": "templates"},
)
