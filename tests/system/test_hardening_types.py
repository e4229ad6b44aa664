"""Values of the wrong type from Graph are dropped with a note, never split, converted or read as truthy."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sspr_audit.audit import engine
from sspr_audit.audit.results import Readiness
from sspr_audit.cli import main
from sspr_audit.snapshot import write
from sspr_audit.snapshot.models import CollectionState
from tests.builders.hostile_graph import HostileGraph, collect, user


def test_values_of_the_wrong_type_are_dropped_and_noted_and_the_snapshot_reports(tmp_path: Path) -> None:
    graph = HostileGraph(users=0)
    graph.users = [
        user(0, businessPhones="+44 20 7946 0000", displayName=42, department={"name": "Sales"}, accountEnabled="no"),
        user(1, otherMails=["ok@else.example", 7], jobTitle=["Boss"]),
        user(2),
    ]
    graph.inner = lambda user_id, attempt: (
        {"status": 200, "body": {"value": [{"@odata.type": "#microsoft.graph.phoneAuthenticationMethod",
                                            "id": "m", "phoneNumber": 447700900123, "phoneType": "mobile"}]}}
        if user_id.endswith("1") else None
    )  # fmt: skip
    snap, _ = collect(graph)
    zero, one, two = snap.users
    assert zero.business_phones == () and zero.display_name is None and zero.department is None
    assert zero.account_enabled is True  # listed under accountEnabled eq true; the "no" is dropped, not read
    assert zero.collection.state == CollectionState.PARTIAL
    assert zero.collection.reason == (
        "values of the wrong type from Graph were dropped: accountEnabled (a string, not true or false);"
        " displayName (a number, not text); department (an object, not text); businessPhones (a string, not a"
        " list of text)"
    )
    assert one.other_mails == ("ok@else.example",) and one.job_title is None
    assert one.methods and one.methods[0].phone_number is None
    assert one.collection.state == CollectionState.PARTIAL
    assert "otherMails (items that are not text)" in one.collection.reason
    assert "method.phoneNumber (a number, not text)" in one.collection.reason
    assert two.collection.state == CollectionState.OK and two.collection.reason is None

    result = engine.run(snap, engine.load_policy(None, snap))
    statuses = {u.user.id: u.status for u in result.users}
    assert statuses[zero.id] != Readiness.UNKNOWN  # a partial user's methods are known
    path = write(snap, tmp_path / "s.json.gz")
    report = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "out"), "-q", "--no-history"])
    assert report.exit_code == 0, report.output


def test_a_report_row_with_a_wrong_type_does_not_skip_the_per_user_call() -> None:
    graph = HostileGraph(users=2)
    rows = [
        {"id": graph.users[0]["id"], "methodsRegistered": "microsoftAuthenticatorPush"},  # a string, not a list
        {"id": graph.users[1]["id"], "methodsRegistered": ["microsoftAuthenticatorPush"], "isAdmin": "yes"},
    ]

    async def report(request):
        from aiohttp import web

        return web.json_response({"value": rows})

    graph.hooks["/reports/authenticationMethods/userRegistrationDetails"] = report
    snap, _ = collect(graph)
    assert set(graph.method_calls) == {u["id"] for u in graph.users}  # neither row trusted to skip the call
    first, second = snap.users
    assert first.registration.methods_registered == () and first.methods
    assert second.registration.is_admin is None
    assert "registration.methodsRegistered (a string, not a list of text)" in first.collection.reason
    assert "registration.isAdmin (a string, not true or false)" in second.collection.reason
