"""``sspr-audit emulate`` listens on loopback unless told otherwise explicitly."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sspr_audit.cli import main
from sspr_audit.cli.collect import is_loopback

REFUSAL = (
    "sspr-audit: error: --host {} is not a loopback address; the emulator serves a demo tenant with a fixed token,"
    " pass --allow-non-loopback to listen there anyway\n"
)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "graph.example.com", "127.0.0.1.example.com"])
def test_a_non_loopback_host_is_refused_in_one_line_with_exit_2(host: str) -> None:
    result = CliRunner().invoke(main, ["emulate", "--host", host, "--port", "0"])
    assert result.exit_code == 2
    assert result.output == REFUSAL.format(host)


def test_allow_non_loopback_lets_it_try_the_address() -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails, so nothing listens and nothing is contacted.
    result = CliRunner().invoke(main, ["emulate", "--host", "192.0.2.1", "--port", "0", "--allow-non-loopback"])
    assert result.exit_code == 2
    assert result.output.startswith("sspr-audit: error: cannot listen on 192.0.2.1:0: ")
    assert "loopback" not in result.output


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
