"""The demo tenant: a deterministic, realistic organisation in which every rule fires."""

from importlib.resources import files
from pathlib import Path


def demo_policy_path() -> Path:
    """The policy shipped for the demo tenant (two methods, break-glass accounts excluded)."""
    return Path(str(files("sspr_audit.demo") / "demo-policy.toml"))
