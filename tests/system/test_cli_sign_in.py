"""Sign-in mistakes: one line that names the next step, never a silent fallback or a repeated error."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from sspr_audit.cli import main
from tests.builders import CHECKOUT

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
# Managed identity asked on a closed loopback port: the credential chain fails at once, and nothing is sent
# to a metadata service or a login host off this machine.
LOOPBACK_IDENTITY = {"IDENTITY_ENDPOINT": "http://127.0.0.1:9/msi/token", "IDENTITY_HEADER": "sspr-audit-test"}


@pytest.fixture
def no_ambient_credentials(tmp_path, monkeypatch):
    """No Azure CLI login, no AZURE_* variables: what DefaultAzureCredential finds on a fresh machine."""
    for name in ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_CERTIFICATE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SSPR_AUDIT_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path / ".azure"))
    monkeypatch.setenv("PATH", "/nonexistent")  # no az on the path
    for name, value in LOOPBACK_IDENTITY.items():
        monkeypatch.setenv(name, value)


def collect(tmp_path, *args: str):
    return CliRunner().invoke(main, ["collect", "-o", str(tmp_path / "out"), "-q", *args])


def test_tenant_and_client_without_a_secret_name_the_three_ways(tmp_path, no_ambient_credentials):
    result = collect(tmp_path, "--tenant-id", TENANT, "--client-id", "11111111-2222-3333-4444-555555555555")
    assert result.exit_code == 2
    assert result.output == (
        "sspr-audit: error: --tenant-id and --client-id need the app's credential: pass --certificate PATH,"
        " set AZURE_CLIENT_SECRET (or --client-secret), or add --device-code to sign in as a person\n"
    )
    assert not (tmp_path / "out" / "collect.checkpoint").exists()


@pytest.mark.parametrize("tenant", ["contoso", "not a tenant", "72f988bf-86f1-41af-91ab", "https://contoso.com"])
def test_a_tenant_that_is_neither_a_guid_nor_a_domain_is_refused(tmp_path, tenant):
    result = collect(tmp_path, "--tenant-id", tenant, "--client-id", "c", "--client-secret", "s")
    assert result.exit_code == 2
    assert result.output.startswith(f"sspr-audit: error: --tenant-id {tenant!r} is neither a directory (tenant) id")
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("tenant", [TENANT, "contoso.onmicrosoft.com", "Contoso.COM"])
def test_a_guid_or_a_domain_is_taken(tmp_path, tenant, no_ambient_credentials):
    result = collect(tmp_path, "--tenant-id", tenant, "--client-id", "c")
    assert "neither a directory" not in result.output and "need the app's credential" in result.output


def test_no_options_and_no_login_says_run_az_login_once_and_nothing_else(tmp_path):
    """A real process: without handlers of sspr-audit's own, Python prints azure-identity's warning too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "SSPR_AUDIT_", "IDENTITY_"))}
    env |= {**LOOPBACK_IDENTITY, "HOME": str(tmp_path), "AZURE_CONFIG_DIR": str(tmp_path / ".azure")}
    env["PATH"] = "/nonexistent"  # no az, azd or pwsh to ask
    done = subprocess.run(
        [sys.executable, "-m", "sspr_audit", "collect", "-o", str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=CHECKOUT,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "sspr-audit: error: could not sign in to Microsoft Entra ID: no credentials found (no Azure CLI login,"
        " managed identity or AZURE_* variables): run az login, or pass --tenant-id and --client-id with"
        " --certificate PATH or AZURE_CLIENT_SECRET, or --access-token\n"
    )
    assert not (tmp_path / "out" / "collect.checkpoint").exists()
