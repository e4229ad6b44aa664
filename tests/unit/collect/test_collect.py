"""Collector pieces on their own: endpoints, options, redaction, retry timing, checkpoint, roles, mapping."""

from __future__ import annotations

import json
import logging
import os
import stat

import click
import pytest
from click.testing import CliRunner

from sspr_audit.cli.options import collect_options
from sspr_audit.collect.batch import Outcome
from sspr_audit.collect.checkpoint import FORMAT, Checkpoint
from sspr_audit.collect.endpoint import resolve_endpoint
from sspr_audit.collect.errors import CheckpointError, OptionError
from sspr_audit.collect.mapping import map_method, map_method_configurations, needs_methods
from sspr_audit.collect.options import CollectOptions
from sspr_audit.collect.redact import Redactor, redacting_logs
from sspr_audit.collect.retry import RetryPolicy, retry_after
from sspr_audit.collect.roles import user_roles
from sspr_audit.snapshot import to_dict
from sspr_audit.snapshot.models import (
    MethodConfiguration,
    MethodTarget,
    RegistrationDetails,
    RoleAssignment,
    Source,
    SourceState,
    SourceStatus,
)
from tests.builders import GLOBAL_ADMIN

GA = GLOBAL_ADMIN[1]
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"


@pytest.mark.parametrize(
    ("cloud", "root", "login"),
    [
        ("global", "https://graph.microsoft.com", "login.microsoftonline.com"),
        ("usgov", "https://graph.microsoft.us", "login.microsoftonline.us"),
        ("usgov-dod", "https://dod-graph.microsoft.us", "login.microsoftonline.us"),
        ("china", "https://microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn"),
    ],
)
def test_clouds(cloud, root, login):
    endpoint = resolve_endpoint(cloud)
    assert (endpoint.root, endpoint.login_host, endpoint.scope) == (root, login, f"{root}/.default")
    assert endpoint.api == f"{root}/v1.0"


def test_graph_url_overrides_and_plain_http_only_on_loopback():
    assert resolve_endpoint("global", "http://127.0.0.1:8080/").root == "http://127.0.0.1:8080"
    assert resolve_endpoint("global", "http://[::1]:9/v1.0").root == "http://[::1]:9"
    assert resolve_endpoint("china", "https://graph.example.org").login_host == "login.chinacloudapi.cn"
    for bad in ("http://graph.example.org", "ftp://x", "https://u:p@graph.example.org", "https://g.example?x=1"):
        with pytest.raises(OptionError):
            resolve_endpoint("global", bad)
    with pytest.raises(OptionError, match="unknown cloud"):
        resolve_endpoint("mars")


def test_click_options_build_collect_options_and_hide_secrets():
    seen = {}

    @click.command()
    @collect_options
    def command(**params):
        seen["options"] = CollectOptions.from_params(params)

    result = CliRunner().invoke(
        command,
        [
            "--tenant-id",
            "t",
            "--client-id",
            "c",
            "--client-secret",
            "s3cr3t-value",
            "--scope-group",
            "A",
            "--scope-group",
            "B",
            "--scope-group",
            "A",
            "--cloud",
            "usgov",
            "--concurrency",
            "5",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    opts = seen["options"]
    assert (opts.tenant_id, opts.client_id, opts.cloud, opts.scope_groups, opts.concurrency, opts.quiet) == (
        "t",
        "c",
        "usgov",
        ("A", "B"),
        5,
        True,
    )
    assert opts.secrets == ("s3cr3t-value",) and "s3cr3t-value" not in repr(opts)
    assert CliRunner().invoke(command, ["--concurrency", "0"]).exit_code == 2
    help_text = CliRunner(env={"AZURE_CLIENT_SECRET": "s3cr3t-value"}).invoke(command, ["--help"]).output
    assert "AZURE_CLIENT_SECRET" in help_text and "s3cr3t-value" not in help_text


def test_redaction_covers_every_logger_and_exception_text(caplog):
    caplog.set_level(logging.DEBUG)
    redactor = Redactor(["topsecret-1"])
    with redacting_logs(redactor):
        redactor.add("eyJ.acquired.token")
        logging.getLogger("httpx").debug("Authorization: Bearer %s", "eyJ.acquired.token")
        try:
            raise ValueError("bad topsecret-1")
        except ValueError:
            logging.getLogger("any.thing").exception("failed with %s", "topsecret-1")
    logging.getLogger("x").info("after: topsecret-1")  # the factory is removed after the collection
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:2] == ["Authorization: Bearer ***", "failed with ***"]
    assert "topsecret-1" not in caplog.records[1].exc_text
    assert messages[2] == "after: topsecret-1"


def test_retry_after_and_backoff():
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": "0"}) is None and retry_after({}) is None
    assert retry_after({"Retry-After": "x"}) is None
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    assert policy.throttle_wait({"Retry-After": "3"}, 1) == 3.0
    for attempt, ceiling in ((1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0)):
        assert ceiling / 2 <= policy.backoff(attempt) <= ceiling


def test_checkpoint_is_private_survives_a_torn_line_and_refuses_other_collections(tmp_path):
    path = tmp_path / "c.checkpoint"
    identity = {"graph_endpoint": "https://graph.microsoft.com", "tenant_id": "t", "scope_groups": ["A"]}
    first = Checkpoint.open(path, identity, resume=False)
    first.record_methods([])
    first.record_methods([Outcome("u1", True, {"value": [{"id": "m"}]}), Outcome("u2", False, None, 503)])
    first.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with path.open("ab") as handle:
        handle.write(b'{"kind":"methods","users":{"u3":[')
    with pytest.raises(CheckpointError, match="--resume"):
        Checkpoint.open(path, identity, resume=False)
    with pytest.raises(CheckpointError, match="tenant_id"):
        Checkpoint.open(path, {**identity, "tenant_id": "other"}, resume=True)
    again = Checkpoint.open(path, identity, resume=True)
    assert again.methods == {"u1": [{"id": "m"}]}  # the failure is retried, the torn line dropped
    again.record_methods([Outcome("u3", True, {"value": []})])
    again.remove()
    assert not path.exists()


def test_checkpoint_lines_are_whole_json_records(tmp_path):
    path = tmp_path / "c.checkpoint"
    checkpoint = Checkpoint.open(path, {"graph_endpoint": "x"}, resume=False)
    checkpoint.record_methods([Outcome("u1", True, {"value": []})])
    checkpoint.close()
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and json.loads(lines[0])["kind"] == "header"


def test_checkpoint_is_written_only_once_a_user_is_read(tmp_path):
    path = tmp_path / "c.checkpoint"
    identity = {"graph_endpoint": "x", "tenant_id": "t"}
    checkpoint = Checkpoint.open(path, identity, resume=False)
    checkpoint.record_source(SourceStatus("organization", SourceState.READ), {"id": "t"})
    checkpoint.record_methods([Outcome("u1", False, None, 503)])
    checkpoint.close()
    assert not path.exists()  # a failed start leaves nothing that would ask for --resume
    checkpoint = Checkpoint.open(path, identity, resume=False)
    checkpoint.record_source(SourceStatus("organization", SourceState.READ), {"id": "t"})
    checkpoint.record_source(SourceStatus("users", SourceState.READ), [{"id": "u1"}])
    checkpoint.close()
    kinds = [json.loads(line)["kind"] for line in path.read_text().splitlines()]
    assert kinds == ["header", "source", "source"]  # what came before the first user is kept too
    assert Checkpoint.open(path, identity, resume=True).sources["organization"][1] == {"id": "t"}


def test_a_checkpoint_holding_no_user_is_replaced_without_resume(tmp_path):
    path = tmp_path / "c.checkpoint"
    path.write_text(json.dumps({"kind": "header", "format": FORMAT, "graph_endpoint": "old"}) + "\n")
    checkpoint = Checkpoint.open(path, {"graph_endpoint": "new"}, resume=False)
    assert not path.exists()
    checkpoint.record_methods([Outcome("u1", True, {"value": []})])
    checkpoint.close()
    assert json.loads(path.read_text().splitlines()[0])["graph_endpoint"] == "new"


def test_roles_direct_group_and_eligible_are_sorted_and_skip_service_principals():
    definitions = [
        {"id": GA, "templateId": GA, "displayName": "Global Administrator"},
        {"id": HELPDESK, "templateId": HELPDESK, "displayName": "Helpdesk Administrator"},
    ]
    user = {"@odata.type": "#microsoft.graph.user", "id": "u1"}
    group = {"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": "Tier0"}
    sp = {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "sp"}
    active = [
        {"roleDefinitionId": HELPDESK, "principalId": "u1", "principal": user},
        {"roleDefinitionId": GA, "principalId": "g1", "principal": group},
        {"roleDefinitionId": GA, "principalId": "sp", "principal": sp},
    ]
    eligible = [{"roleDefinitionId": GA, "principalId": "u1", "principal": user}]
    roles = user_roles(definitions, active, eligible, {"g1": ["u1", "u2"]})
    assert roles == {
        "u1": (
            RoleAssignment("Global Administrator", GA, "active", "Tier0"),
            RoleAssignment("Global Administrator", GA, "eligible"),
            RoleAssignment("Helpdesk Administrator", HELPDESK, "active"),
        ),
        "u2": (RoleAssignment("Global Administrator", GA, "active", "Tier0"),),
    }


def test_mapping_of_methods_policy_and_inspection_rule():
    policy = {
        "authenticationMethodConfigurations": [
            {"id": "Voice", "state": "enabled", "isOfficePhoneAllowed": True, "includeTargets": [{"id": "all_users"}]},
            {"id": "Sms", "state": "disabled", "includeTargets": [{"id": "group-1"}]},
        ]
    }
    assert map_method_configurations(policy) == (
        MethodConfiguration("Voice", "enabled", (MethodTarget("all_users"),), (), office_phone_allowed=True),
        MethodConfiguration("Sms", "disabled", (MethodTarget("group-1"),), ()),
    )
    odd = map_method({"@odata.type": "#microsoft.graph.futureAuthenticationMethod", "id": "x", "displayName": "F"})
    assert (odd.type, odd.display_name) == ("unrecognised", "F")
    assert odd.odata_type == "#microsoft.graph.futureAuthenticationMethod"
    assert needs_methods(None)
    assert needs_methods(RegistrationDetails(("microsoftAuthenticatorPush", "officePhone")))
    assert not needs_methods(RegistrationDetails(("microsoftAuthenticatorPush", "securityQuestion")))


def test_progress_shows_counts_on_a_terminal_and_nothing_when_quiet():
    import io

    from rich.console import Console

    from sspr_audit.collect.progress import Progress, RichProgress, progress_display

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    display = progress_display(console=console)
    assert isinstance(display, RichProgress)
    with display:
        display.stage("Listing users")
        display.users_read(999)
        display.users_read(251)
        console.print(display._bar.get_renderable())
        phase = out.getvalue()
        display.methods_planned(200, 40)
        display.methods_fetched(20)
        display.waiting(2, 4.2)
        console.print(display._bar.get_renderable())
    text = out.getvalue()
    assert "Listing users" in phase and "1,250 users listed" in phase and "0/?" not in phase
    words = " ".join(text.split())
    assert "Methods are read one by one for 200 of 1,250 users; the registration report answers for the others" in words
    methods_line = next(line for line in text.splitlines() if "60/200 users" in line)
    assert methods_line.endswith("60/200 users, retrying 2 users, next try in 4 s")  # whole, at 80 columns
    final = text.rsplit("\r", 1)[-1]  # the last redraw, as the display stops
    assert "60/200" in final and "Listing users" not in final and "Reading" not in final  # the phase line is gone
    out.truncate(0)
    early = progress_display(console=console)
    with early:  # per-user calls start before the total is known
        early.methods_fetched(15)
        early.methods_planned(200, 40)
        early.methods_fetched(5)
    assert "60/200" in out.getvalue()
    out.truncate(0)
    with progress_display(console=console) as paced:  # Graph pushed back: the line says at what pace it goes
        paced.methods_planned(200, 0)
        paced.methods_fetched(20)
        paced.paced(95.4)
        console.print(paced._bar.get_renderable())
    paced_line = next(line for line in out.getvalue().splitlines() if "20/200 users" in line)
    assert paced_line.rstrip().endswith("paced to 95.4 req/s")
    assert type(progress_display(quiet=True, console=console)) is Progress
    assert type(progress_display(console=Console(file=io.StringIO(), force_terminal=False))) is Progress


def test_a_collection_waits_half_a_second_before_its_first_retry_by_default():
    assert CollectOptions().backoff_base == 0.5 == RetryPolicy().base_delay
    assert CollectOptions().max_attempts == 6 == RetryPolicy().max_attempts


def test_fast_retries_lowers_the_default_for_options_built_after_it(fast_retries):
    assert CollectOptions().backoff_base < 0.01
    assert CollectOptions(backoff_base=2.0).backoff_base == 2.0


def test_a_checkpoint_of_many_users_is_one_json_line_that_resumes_them_all(tmp_path):
    path = tmp_path / "c.checkpoint"
    identity = {"graph_endpoint": "x"}
    users = [{"id": f"u{i}", "displayName": f"Zoë {i}", "businessPhones": ["+1 4255550100"]} for i in range(2500)]
    status = SourceStatus(Source.USERS.value, SourceState.READ)
    first = Checkpoint.open(path, identity, resume=False)
    first.record_source(status, users)
    first.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1]) == {"kind": "source", "name": "users", "status": to_dict(status), "data": users}
    assert Checkpoint.open(path, identity, resume=True).reusable(Source.USERS.value) == (status, users)
