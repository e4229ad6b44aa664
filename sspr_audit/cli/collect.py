"""``collect`` and ``emulate``: read a tenant through Graph, or serve the demo tenant as Graph."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import click

from sspr_audit.app import collect_to_file
from sspr_audit.cli.options import collect_options, collection_outputs, demo_tenant_options, output_folder_option
from sspr_audit.collect.options import CollectOptions
from sspr_audit.errors import InputError


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal (127.0.0.0/8, ::1); a name is not resolved."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@click.command()
@collect_options
@output_folder_option("Folder for the snapshot and the checkpoint.")
@collection_outputs
def collect(output: Path, snapshot_path: Path | None, resume: bool, checkpoint: Path | None, **params: Any) -> None:
    """Read a tenant through Microsoft Graph into a snapshot file.

    Sign in with a client secret (AZURE_CLIENT_SECRET), a certificate, a
    device code, a browser, an access token, or else DefaultAzureCredential
    (Azure CLI, managed identity, environment). An interrupted collection
    continues with --resume.
    """
    options = CollectOptions.from_params(params)
    path, note = collect_to_file(options, output, snapshot_path, checkpoint, resume)
    if not options.quiet:
        click.echo(f"Snapshot: {path}")
        if note:
            click.echo(note)


@click.command()
@demo_tenant_options(seed_help="Seed of the demo tenant and of the faults.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback).")
@click.option(
    "--allow-non-loopback",
    is_flag=True,
    help="Listen on a --host that is not loopback, reachable from other machines (no real authentication).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port (0: any free).")
@click.option(
    "--latency-ms",
    type=click.FloatRange(0, 60_000),
    default=0.0,
    show_default=True,
    help="Mean added latency per response, with jitter.",
)
@click.option(
    "--throttle",
    type=click.Choice(("documented", "reports", "off")),
    default="documented",
    show_default=True,
    help="Microsoft's documented throttling limits; 'reports' also charges per-user methods calls"
    " to the reports budget (5 requests per 10 s), as Graph's throttling page lists them.",
)
@click.option(
    "--faults",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests answered with an injected fault (500/503, reset, slow).",
)
@click.option(
    "--unlicensed", is_flag=True, help="Answer 403 for the registration report, PIM and signInActivity (no P1/P2)."
)
@click.option("--token", default="sspr-audit-demo-token", show_default=True, help="The bearer token accepted.")
def emulate(
    users: int,
    seed: int,
    host: str,
    allow_non_loopback: bool,
    port: int,
    latency_ms: float,
    throttle: str,
    faults: float,
    unlicensed: bool,
    token: str,
) -> None:
    """Serve the demo tenant as a Microsoft Graph v1.0 emulator on loopback.

    Point any Graph client at it, e.g. 'sspr-audit collect --graph-url URL
    --access-token TOKEN'. Ctrl-C stops it.
    """
    if not allow_non_loopback and not is_loopback(host):
        raise InputError(
            f"--host {host} is not a loopback address; the emulator serves a demo tenant with a fixed token,"
            " pass --allow-non-loopback to listen there anyway"
        )
    from sspr_audit.demo.tenant import generate_tenant
    from sspr_audit.emulator.config import EmulatorConfig
    from sspr_audit.emulator.server import serve_forever

    config = EmulatorConfig(
        token=token, latency_ms=latency_ms, throttle=throttle, fault_rate=faults, seed=seed, unlicensed=unlicensed
    )
    truth = generate_tenant(users=users, seed=seed)

    def ready(url: str) -> None:
        click.echo(f"Graph emulator for {users} demo users at {url}/v1.0 (Ctrl-C to stop)")
        click.echo(f"  sspr-audit collect --graph-url {url} --access-token {token}")

    serve_forever(truth, config, host, port, ready)
