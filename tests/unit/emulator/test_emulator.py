"""The loopback Graph emulator, spoken to over real sockets.

Shapes are checked against Graph's own metadata (tests/data/graph_v1_properties.json);
behaviour (paging, batching, throttling, faults, licences) against the wire contract.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.emulator.config import EmulatorConfig, EmulatorConfigError
from sspr_audit.emulator.faults import Fault, Jitter, fault_schedule
from sspr_audit.emulator.server import emulator_in_thread
from sspr_audit.emulator.throttling import MAILBOX_REQUESTS, ThrottleLimits, Throttler, TokenBucket, request_cost
from sspr_audit.errors import InputError
from tests.builders import CHECKOUT, DATA, GLOBAL_ADMIN, HELPDESK_ADMIN, PASSWORD_ADMIN, USER_ADMIN
from tests.builders.emulator import (
    ALICE,
    BOB,
    CAROL,
    DAVE,
    ERIN,
    FRANK,
    GRACE,
    PILOT_GROUP,
    numbered_tenant,
    small_tenant,
)

TOKEN = "sspr-audit-demo-token"
USERS_QUERY = (
    "/users?$filter=accountEnabled eq true&$select=id,userPrincipalName,displayName,userType,accountEnabled,"
    "mobilePhone,businessPhones,otherMails,mail,onPremisesSyncEnabled,department,jobTitle,usageLocation,country"
    "&$expand=manager($select=id,displayName)&$top=999"
)
METHODS = "/users/{}/authentication/methods"


def _client(url: str, token: str | None = TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url + "/v1.0", headers=headers, timeout=10)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    with emulator_in_thread(small_tenant(), EmulatorConfig(throttle="off")) as running:
        yield running


@pytest.fixture
def graph(emulator: Any) -> Iterator[httpx.Client]:
    with _client(emulator.url) as client:
        yield client


def _all_pages(client: httpx.Client, url: str) -> list[dict]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        url = pages[-1].get("@odata.nextLink")
    return pages


def _batch(client: httpx.Client, urls: list[str]) -> dict[str, dict]:
    body = {"requests": [{"id": str(i), "method": "GET", "url": url} for i, url in enumerate(urls, 1)]}
    response = client.post("/$batch", json=body)
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["responses"]}


# -- shapes against Graph's metadata ------------------------------------------------------------------------------

_METADATA = json.loads((DATA / "graph_v1_properties.json").read_text())["types"]
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
_EDM = {"Edm.String": str, "Edm.Boolean": bool, "Edm.Int32": int, "Edm.Guid": str, "Edm.DateTimeOffset": str}


def _chain(name: str) -> list[str]:
    chain = []
    while name:
        chain.append(name)
        name = _METADATA[name].get("baseType")
    return chain


def _check(value: dict, declared: str, place: str, seen: set[str]) -> None:
    """Every property of ``value`` exists on its Graph type (or a base type), with a value of that type."""
    typ = declared
    if "@odata.type" in value:
        actual = value["@odata.type"].removeprefix("#microsoft.graph.")
        if actual not in _METADATA:  # a type the metadata does not know passes through untouched
            assert actual == "futureThingAuthenticationMethod", f"{place}: unexpected type {actual}"
            return
        assert declared in _chain(actual), f"{place}: {actual} does not derive from {declared}"
        typ = actual
    seen.add(typ)
    props = {k: v for t in _chain(typ) for k, v in _METADATA[t]["properties"].items()}
    for key, item in value.items():
        if key.startswith("@odata.") or key.endswith("@odata.context"):
            continue
        assert key in props, f"{place}.{key} is not a property of microsoft.graph.{typ}"
        declared_type = props[key]
        is_collection = declared_type.startswith("Collection(")
        inner = declared_type[len("Collection(") : -1] if is_collection else declared_type
        assert not is_collection or isinstance(item, list | type(None)), f"{place}.{key} should be a list"
        for element in (item or []) if is_collection else [item]:
            if element is None:
                continue
            if inner in _EDM:
                assert type(element) is _EDM[inner], f"{place}.{key}: {element!r} is not {inner}"
                assert inner != "Edm.DateTimeOffset" or _ISO.match(element), f"{place}.{key}: {element!r}"
            elif _METADATA.get(inner, {}).get("kind") == "enum":
                assert element in _METADATA[inner]["members"], f"{place}.{key}: {element!r} not in {inner}"
            else:
                assert inner in _METADATA, f"{place}.{key}: type {inner} missing from the extracted metadata"
                _check(element, inner, f"{place}.{key}", seen)


def test_every_served_property_exists_on_its_graph_type(graph: httpx.Client) -> None:
    calls = {
        "/organization?$select=id,displayName,verifiedDomains,onPremisesSyncEnabled": "organization",
        "/organization": "organization",
        USERS_QUERY: "user",
        "/users?$expand=manager": "user",
        f"/users/{ALICE}?$expand=manager": "user",
        f"/users/{ALICE}/manager": "directoryObject",
        "/reports/authenticationMethods/userRegistrationDetails": "userRegistrationDetails",
        "/roleManagement/directory/roleDefinitions": "unifiedRoleDefinition",
        "/roleManagement/directory/roleAssignments?$expand=principal": "unifiedRoleAssignment",
        "/roleManagement/directory/roleEligibilitySchedules?$expand=principal": "unifiedRoleEligibilitySchedule",
        "/policies/authorizationPolicy": "authorizationPolicy",
        "/policies/authenticationMethodsPolicy": "authenticationMethodsPolicy",
        "/groups": "group",
        f"/groups/{PILOT_GROUP.id}": "group",
        f"/groups/{PILOT_GROUP.id}/transitiveMembers": "directoryObject",
        f"/groups/{PILOT_GROUP.id}/transitiveMembers/microsoft.graph.user": "user",
        "/subscribedSkus": "subscribedSku",
        "/directory/subscriptions": "companySubscription",
    } | {METHODS.format(u): "authenticationMethod" for u in (ALICE, BOB, CAROL, FRANK, GRACE)}
    seen: set[str] = set()
    for url, declared in calls.items():
        for page in _all_pages(graph, url):
            assert page["@odata.context"].startswith("https://graph.microsoft.com/v1.0/$metadata#"), url
            for index, item in enumerate(page.get("value", [page])):
                _check(item, declared, f"{url}[{index}]", seen)
    required = {
        "user",
        "phoneAuthenticationMethod",
        "emailAuthenticationMethod",
        "microsoftAuthenticatorAuthenticationMethod",
        "userRegistrationDetails",
        "unifiedRoleAssignment",
        "unifiedRoleDefinition",
        "unifiedRoleEligibilitySchedule",
        "authorizationPolicy",
        "authenticationMethodsPolicy",
        "organization",
        "group",
        "servicePrincipal",
        "fido2AuthenticationMethod",
        "voiceAuthenticationMethodConfiguration",
        "smsAuthenticationMethodTarget",
        "emailAuthenticationMethodConfiguration",
        "microsoftAuthenticatorAuthenticationMethodConfiguration",
        "microsoftAuthenticatorAuthenticationMethodTarget",
        "excludeTarget",
        "subscribedSku",
        "licenseUnitsDetail",
        "servicePlanInfo",
        "companySubscription",
    }
    assert required <= seen


def test_the_metadata_checker_rejects_a_wrong_name() -> None:
    with pytest.raises(AssertionError, match="phoneNumbers"):
        _check(
            {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "x", "phoneNumbers": "+1"},
            "authenticationMethod",
            "t",
            set(),
        )
    with pytest.raises(AssertionError, match="not in authenticationPhoneType"):
        _check(
            {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "x", "phoneType": "Mobile"},
            "authenticationMethod",
            "t",
            set(),
        )


# -- users, paging, query options ---------------------------------------------------------------------------------


def test_paging_follows_next_links_to_exactly_the_enabled_users() -> None:
    snapshot = numbered_tenant(23)
    with (
        emulator_in_thread(snapshot, EmulatorConfig(throttle="off", page_size_cap=5)) as running,
        _client(running.url) as client,
    ):
        pages = _all_pages(client, "/users?$filter=accountEnabled eq true&$select=id,accountEnabled&$top=999")
        every = _all_pages(client, "/users?$select=id")
    ids = [user["id"] for page in pages for user in page["value"]]
    assert ids == [u.id for u in snapshot.users if u.account_enabled]
    assert len(pages) == 4  # 18 enabled users in pages of 5
    assert all(user == {"id": user["id"], "accountEnabled": True} for page in pages for user in page["value"])
    assert [user["id"] for page in every for user in page["value"]] == [u.id for u in snapshot.users]
    link = pages[0]["@odata.nextLink"]
    assert link.startswith(running.url + "/v1.0/users?") and "$skiptoken=" in link
    assert "$select=id,accountEnabled" in link


def test_a_full_last_page_links_to_an_empty_page() -> None:
    snapshot = numbered_tenant(4, disabled_every=100)
    with (
        emulator_in_thread(snapshot, EmulatorConfig(throttle="off", page_size_cap=2)) as running,
        _client(running.url) as client,
    ):
        pages = _all_pages(client, "/users?$select=id")
    assert [len(page["value"]) for page in pages] == [2, 2, 0]
    assert "@odata.nextLink" not in pages[-1]


def test_expanding_manager_caps_pages_at_100_users() -> None:
    with (
        emulator_in_thread(numbered_tenant(150), EmulatorConfig(throttle="off")) as running,
        _client(running.url) as client,
    ):
        expanded = client.get("/users?$select=id&$expand=manager&$top=999").json()
        plain = client.get("/users?$select=id&$top=999").json()
        default = client.get("/users?$select=id").json()
    assert len(expanded["value"]) == 100 and "@odata.nextLink" in expanded
    assert len(plain["value"]) == 150 and "@odata.nextLink" not in plain
    assert len(default["value"]) == 100


def test_tampered_or_foreign_skiptoken_is_400() -> None:
    with (
        emulator_in_thread(numbered_tenant(12), EmulatorConfig(throttle="off", page_size_cap=3)) as running,
        _client(running.url) as client,
    ):
        link = client.get("/users?$select=id").json()["@odata.nextLink"]
        assert client.get(link).status_code == 200
        token = link.split("$skiptoken=")[1]
        tampered = link[:-1] + ("A" if link[-1] != "A" else "B")
        foreign = link.replace("$select=id", "$select=id,displayName")
        for url in (tampered, foreign, f"/users?$skiptoken={token}", "/users?$skiptoken=garbage"):
            response = client.get(url)
            assert response.status_code == 400, url
            assert response.json()["error"]["code"] == "Request_BadRequest"


def test_users_carry_contract_fields_and_manager(graph: httpx.Client) -> None:
    users = {u["id"]: u for page in _all_pages(graph, USERS_QUERY) for u in page["value"]}
    assert set(users) == {ALICE, BOB, DAVE, ERIN, FRANK, GRACE}  # carol is disabled
    alice = users[ALICE]
    assert alice["mobilePhone"] == "+1 4255550101" and alice["businessPhones"] == ["+1 4255550100"]
    assert alice["otherMails"] == ["alice@home.example"] and alice["onPremisesSyncEnabled"] is True
    assert alice["manager"] == {"@odata.type": "#microsoft.graph.user", "id": BOB, "displayName": "Bob"}
    assert users[FRANK]["manager"]["displayName"] == "External Boss"
    assert "manager" not in users[BOB]
    assert users[DAVE]["userType"] == "Guest"


def test_select_returns_only_the_selected_properties_and_default_omits_account_enabled(graph: httpx.Client) -> None:
    selected = graph.get("/users?$select=displayName").json()["value"][0]
    assert set(selected) == {"id", "displayName"}
    default = graph.get("/users").json()["value"][0]
    assert "accountEnabled" not in default and {"id", "userPrincipalName", "businessPhones"} <= set(default)
    assert graph.get(f"/users/{CAROL}?$select=accountEnabled").json()["accountEnabled"] is False


def _structural(typ: str) -> list[str]:
    """Names of ``typ`` and its base types that are not navigation properties (value types: Edm, complex, enum)."""
    names = []
    for name, declared in (item for t in _chain(typ) for item in _METADATA[t]["properties"].items()):
        inner = declared.removeprefix("Collection(").removesuffix(")")
        if inner.startswith("Edm.") or _METADATA.get(inner, {}).get("kind") in ("complex", "enum"):
            names.append(name)
    return names


USER_SCHEMA = _structural("user")


def test_every_user_property_of_graph_v1_can_be_selected(graph: httpx.Client) -> None:
    assert len(USER_SCHEMA) == 81 and {"deletedDateTime", "signInActivity", "onPremisesSamAccountName"} < set(
        USER_SCHEMA
    )
    select = ",".join(USER_SCHEMA)
    listed = _all_pages(graph, f"/users?$select={select}")
    one = graph.get(f"/users/{ALICE}?$select={select}")
    assert one.status_code == 200
    alice = one.json()
    assert alice == next(u for page in listed for u in page["value"] if u["id"] == ALICE) | {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(" + select + ")/$entity"
    }
    assert set(alice) == {"@odata.context", *USER_SCHEMA}
    assert alice["mobilePhone"] == "+1 4255550101" and alice["businessPhones"] == ["+1 4255550100"]
    assert alice["otherMails"] == ["alice@home.example"] and alice["accountEnabled"] is True
    # No value in the demo: null, and [] for a collection, as Graph answers.
    assert alice["signInActivity"] is None and alice["employeeId"] is None and alice["deletedDateTime"] is None
    assert alice["proxyAddresses"] == [] and alice["identities"] == []
    # A licence the snapshot does not record is served as one (Microsoft 365 E3): an ordinary, licensed person.
    assert alice["assignedLicenses"] == [{"disabledPlans": [], "skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965"}]
    _check({k: v for k, v in alice.items() if k != "@odata.context"}, "user", "user", set())


def test_select_matches_names_case_insensitively_and_answers_in_graph_spelling(graph: httpx.Client) -> None:
    body = graph.get(f"/users/{ALICE}?$select=MOBILEPHONE,onpremisessamaccountname").json()
    assert body == {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(mobilePhone,onPremisesSamAccountName)/$entity",
        "id": ALICE,
        "mobilePhone": "+1 4255550101",
        "onPremisesSamAccountName": None,
    }


@pytest.mark.parametrize("name", ["noSuchProperty", "manager", "authentication", "phoneNumber"])
def test_selecting_a_name_the_user_type_does_not_have_is_400(graph: httpx.Client, name: str) -> None:
    response = graph.get(f"/users?$select=id,{name}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["message"] == f"Could not find a property named '{name}' on type 'microsoft.graph.user'."


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/users?$filter=startswith(department,'I')", "Request_UnsupportedQuery"),
        ("/users?$filter=endswith(mail,'.example')", "Request_UnsupportedQuery"),
        ("/users?$top=0", "Request_UnsupportedQuery"),
        ("/users?$top=1000", "Request_UnsupportedQuery"),
        ("/users?$select=id,noSuchProperty", "BadRequest"),
        ("/users?$expand=memberOf", "BadRequest"),
        ("/users?$orderby=department", "Request_UnsupportedQuery"),
        ("/groups?$orderby=displayName", "Request_UnsupportedQuery"),
        ("/users/$count?$top=5", "Request_UnsupportedQuery"),
        ("/roleManagement/directory/roleAssignments?$filter=principalId eq 'x'", "Request_UnsupportedQuery"),
        ("/groups?$filter=startswith(displayName,'S')", "Request_UnsupportedQuery"),
    ],
)
def test_unsupported_queries_are_400(graph: httpx.Client, url: str, code: str) -> None:
    response = graph.get(url)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}


@pytest.mark.parametrize(
    "url",
    [
        "/nothingHere",
        "/users/no-such-user",
        METHODS.format("no-such-user"),
        "/users/no-such-user/manager",
        f"/users/{BOB}/manager",
        "/groups/no-such-group",
    ],
)
def test_unknown_routes_and_ids_are_404(graph: httpx.Client, url: str) -> None:
    response = graph.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "Request_ResourceNotFound"


def test_missing_or_wrong_token_is_401(emulator: Any) -> None:
    for token in (None, "not-the-token"):
        with _client(emulator.url, token) as client:
            response = client.get("/organization")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


# -- methods, registration, roles, groups, policies ---------------------------------------------------------------


def test_methods_map_each_auth_method_to_its_graph_type(graph: httpx.Client) -> None:
    alice = graph.get(METHODS.format(ALICE)).json()["value"]
    assert alice[0] == {
        "@odata.type": "#microsoft.graph.phoneAuthenticationMethod",
        "id": PHONE_METHOD_IDS["mobile"],
        "phoneNumber": "+1 4255550101",
        "phoneType": "mobile",
        "smsSignInState": "notAllowedByPolicy",
    }
    assert alice[1]["emailAddress"] == "alice@home.example"
    assert alice[2]["displayName"] == "Alice's iPhone"
    bob_methods = graph.get(METHODS.format(BOB)).json()["value"]
    bob = {m["@odata.type"].removeprefix("#microsoft.graph."): m for m in bob_methods}
    assert bob["passwordAuthenticationMethod"]["password"] is None
    assert bob["softwareOathAuthenticationMethod"]["secretKey"] is None
    assert bob["fido2AuthenticationMethod"]["model"] == "YubiKey 5"
    grace = graph.get(METHODS.format(GRACE)).json()["value"]
    assert grace == [
        {"@odata.type": "#microsoft.graph.futureThingAuthenticationMethod", "id": "x1", "displayName": "Future"}
    ]
    assert graph.get(METHODS.format(DAVE)).json()["value"] == []


def test_registration_report_rows(graph: httpx.Client) -> None:
    rows = {
        r["id"]: r
        for page in _all_pages(graph, "/reports/authenticationMethods/userRegistrationDetails")
        for r in page["value"]
    }
    assert set(rows) == {ALICE, BOB, CAROL, ERIN, FRANK, GRACE}  # dave has no row in the snapshot
    assert rows[ALICE]["methodsRegistered"] == ["mobilePhone", "email", "microsoftAuthenticatorPush"]
    assert rows[ALICE]["userType"] == "member" and rows[ALICE]["isAdmin"] is True
    assert rows[BOB]["isPasswordlessCapable"] is True and rows[ALICE]["isPasswordlessCapable"] is False
    assert rows[ALICE]["userPreferredMethodForSecondaryAuthentication"] == "push"


def test_roles_direct_via_group_and_eligible(graph: httpx.Client) -> None:
    assignments = graph.get("/roleManagement/directory/roleAssignments?$expand=principal").json()["value"]
    held = {(a["roleDefinitionId"], a["principal"]["@odata.type"], a["principal"]["displayName"]) for a in assignments}
    assert (GLOBAL_ADMIN[1], "#microsoft.graph.user", "Alice") in held
    assert (HELPDESK_ADMIN[1], "#microsoft.graph.group", "Helpdesk Admins") in held
    assert any(t == "#microsoft.graph.servicePrincipal" for _, t, _ in held)
    assert len([a for a in assignments if a["roleDefinitionId"] == HELPDESK_ADMIN[1]]) == 1  # one per (group, role)
    assert all(a["directoryScopeId"] == "/" and a["principalId"] == a["principal"]["id"] for a in assignments)
    helpdesk = next(a["principal"]["id"] for a in assignments if a["roleDefinitionId"] == HELPDESK_ADMIN[1])
    members = graph.get(f"/groups/{helpdesk}/transitiveMembers?$select=id&$top=999").json()["value"]
    assert members == [
        {"@odata.type": "#microsoft.graph.user", "id": BOB},
        {"@odata.type": "#microsoft.graph.user", "id": DAVE},
    ]
    eligible = graph.get("/roleManagement/directory/roleEligibilitySchedules?$expand=principal").json()["value"]
    by_role = {e["roleDefinitionId"]: e for e in eligible}
    assert by_role[USER_ADMIN[1]]["memberType"] == "Direct" and by_role[USER_ADMIN[1]]["principal"]["id"] == BOB
    assert by_role[PASSWORD_ADMIN[1]]["memberType"] == "Group"
    assert by_role[PASSWORD_ADMIN[1]]["principal"]["displayName"] == "Password Admins"
    assert all(e["status"] == "Provisioned" for e in eligible)
    definitions = graph.get("/roleManagement/directory/roleDefinitions?$select=id,displayName,templateId,isBuiltIn")
    names = {d["templateId"]: d["displayName"] for d in definitions.json()["value"]}
    assert names[GLOBAL_ADMIN[1]] == "Global Administrator" and names["0f5c6a1e-2b3c-4d5e-8f90-a1b2c3d4e5f6"]
    assert all(set(d) == {"id", "displayName", "templateId", "isBuiltIn"} for d in definitions.json()["value"])


def test_groups_by_name_and_members(graph: httpx.Client) -> None:
    found = graph.get("/groups?$filter=displayName eq 'SSPR Pilot'&$select=id,displayName").json()["value"]
    assert found == [{"id": PILOT_GROUP.id, "displayName": "SSPR Pilot"}]
    assert graph.get("/groups?$filter=displayName eq 'Nobody''s group'").json()["value"] == []
    assert graph.get(f"/groups/{PILOT_GROUP.id}?$select=id,displayName").json()["displayName"] == "SSPR Pilot"
    members = graph.get(f"/groups/{PILOT_GROUP.id}/transitiveMembers?$select=id").json()["value"]
    assert [m["id"] for m in members] == [ALICE, CAROL]


def test_tenant_settings_and_organization(graph: httpx.Client) -> None:
    assert graph.get("/policies/authorizationPolicy").json()["allowedToUseSSPR"] is False
    policy = graph.get("/policies/authenticationMethodsPolicy").json()
    assert policy["policyMigrationState"] == "migrationInProgress"
    configs = {c["id"]: c for c in policy["authenticationMethodConfigurations"]}
    assert configs["Voice"]["isOfficePhoneAllowed"] is True
    assert configs["Voice"]["@odata.type"] == "#microsoft.graph.voiceAuthenticationMethodConfiguration"
    assert configs["Sms"]["includeTargets"][0]["id"] == "all_users"
    assert configs["SoftwareOath"]["state"] == "disabled"
    assert configs["SoftwareOath"]["includeTargets"][0]["id"] != "all_users"
    org = graph.get("/organization?$select=id,displayName,verifiedDomains,onPremisesSyncEnabled").json()["value"][0]
    assert set(org) == {"id", "displayName", "verifiedDomains", "onPremisesSyncEnabled"}
    assert [(d["name"], d["isDefault"], d["isInitial"]) for d in org["verifiedDomains"]] == [
        ("contoso.example", True, False),
        ("contosodemo.onmicrosoft.com", False, True),
    ]
    sync = graph.get("/directory/onPremisesSynchronization")
    assert sync.status_code == 403 and sync.json()["error"]["code"] == "Authorization_RequestDenied"


def test_unlicensed_tenant_gets_403_for_report_and_pim() -> None:
    with (
        emulator_in_thread(small_tenant(), EmulatorConfig(throttle="off", unlicensed=True)) as running,
        _client(running.url) as client,
    ):
        report = client.get("/reports/authenticationMethods/userRegistrationDetails")
        pim = client.get("/roleManagement/directory/roleEligibilitySchedules?$expand=principal")
        assignments = client.get("/roleManagement/directory/roleAssignments?$expand=principal")
    assert report.status_code == 403
    assert report.json()["error"]["code"] == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    assert pim.status_code == 403 and pim.json()["error"]["code"] == "AadPremiumLicenseRequired"
    assert assignments.status_code == 200


def test_failed_truth_user_gets_503_on_every_methods_call(emulator: Any, graph: httpx.Client) -> None:
    before = emulator.stats.user_method_calls[ALICE]
    for _ in range(3):
        response = graph.get(METHODS.format(ERIN))
        assert response.status_code == 503 and response.json()["error"]["code"] == "serviceNotAvailable"
    inner = _batch(graph, [METHODS.format(ERIN), METHODS.format(ALICE)])
    assert inner["1"]["status"] == 503 and inner["2"]["status"] == 200
    assert emulator.stats.user_method_calls[ERIN] == 0
    assert emulator.stats.user_method_calls[ALICE] == before + 1


# -- $batch -------------------------------------------------------------------------------------------------------


def test_batch_answers_each_request_by_id(emulator: Any, graph: httpx.Client) -> None:
    batches_before = emulator.stats.batches
    urls = [METHODS.format(u) for u in (ALICE, BOB, FRANK)] + ["users/no-such-user", "/organization?$select=id"]
    answers = _batch(graph, urls)
    assert answers["1"]["body"]["value"][0]["phoneNumber"] == "+1 4255550101"
    assert answers["3"]["body"]["value"][0]["phoneType"] == "alternateMobile"
    assert answers["4"]["status"] == 404 and answers["4"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert answers["5"]["body"]["value"][0]["id"] == "c0ffee00-0000-4000-8000-000000000001"
    assert all(a["headers"]["Content-Type"].startswith("application/json") for a in answers.values())
    assert emulator.stats.batches == batches_before + 1


def test_batch_order_is_shuffled_reproducibly(graph: httpx.Client) -> None:
    body = {"requests": [{"id": str(i), "method": "GET", "url": METHODS.format(ALICE)} for i in range(1, 21)]}
    first = [r["id"] for r in graph.post("/$batch", json=body).json()["responses"]]
    again = [r["id"] for r in graph.post("/$batch", json=body).json()["responses"]]
    assert first == again and sorted(first, key=int) != first and sorted(first) == sorted(map(str, range(1, 21)))


def test_batch_of_21_or_malformed_is_400(graph: httpx.Client) -> None:
    too_many = {"requests": [{"id": str(i), "method": "GET", "url": "/organization"} for i in range(21)]}
    duplicate = {"requests": [{"id": "1", "method": "GET", "url": "/organization"}] * 2}
    for body in (too_many, duplicate, {"requests": []}, {"nope": 1}):
        response = graph.post("/$batch", json=body)
        assert response.status_code == 400 and response.json()["error"]["code"] == "BadRequest"
    assert graph.get("/$batch").status_code == 405


def test_stats_count_http_and_inner_requests() -> None:
    with emulator_in_thread(small_tenant(), EmulatorConfig(throttle="off")) as running, _client(running.url) as client:
        client.get("/organization")
        _batch(client, [METHODS.format(ALICE)] * 3)
    stats = running.stats
    assert (stats.http_requests, stats.graph_requests, stats.batches, stats.max_batch_size) == (2, 5, 1, 3)
    assert stats.by_route["GET /users/{id}/authentication/methods"] == 3
    assert stats.user_method_calls[ALICE] == 3


# -- throttling ---------------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_documented_bucket_sizes_and_costs() -> None:
    assert [ThrottleLimits.documented(n).bucket_ru for n in (49, 50, 500, 501)] == [3500, 5000, 5000, 8000]
    assert ThrottleLimits.documented(10).report_requests == 5
    assert request_cost(2, has_select=True, has_expand=True) == 2
    assert request_cost(2, has_select=True, has_expand=False) == 1
    assert request_cost(1, has_select=True, has_expand=False) == 1
    assert request_cost(1, has_select=False, has_expand=True) == 2


def test_ignoring_retry_after_keeps_failing_while_waiting_succeeds() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10, 10.0, clock)  # refills 1 RU per second
    assert all(bucket.take(1) is None for _ in range(10))
    retry_after = bucket.take(1)
    assert retry_after == 1
    impatient = []
    for _ in range(20):  # retries every 100 ms, ignoring Retry-After
        clock.now += 0.1
        impatient.append(bucket.take(1))
    assert all(answer is not None for answer in impatient)
    assert impatient[-1] > retry_after  # early retries were charged
    clock.now += impatient[-1]
    assert bucket.take(1) is None  # waiting the announced time gets through


def test_limit_percentage_appears_above_80_percent() -> None:
    throttler = Throttler(ThrottleLimits(10, 1000.0), clock=FakeClock())
    shares = [throttler.admit(1).limit_percentage for _ in range(10)]
    assert shares[:8] == [None] * 8 and shares[8:] == ["0.9", "1.0"]


def test_mailbox_reads_spend_each_mailbox_limit_not_the_identity_bucket() -> None:
    """Outlook service limits: 10,000 requests per 10 minutes per app and mailbox.

    https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
    """
    clock = FakeClock()
    throttler = Throttler(ThrottleLimits(10, 1000.0), clock=clock)
    mailboxes = [throttler.admit(1, mailbox=f"user-{n}") for n in range(50)]
    assert all(a.retry_after is None and a.limit_percentage is None for a in mailboxes)
    assert [throttler.admit(1).retry_after for _ in range(10)] == [None] * 10  # the bucket is still whole
    busy = [throttler.admit(1, mailbox="user-0").retry_after for _ in range(MAILBOX_REQUESTS)]
    assert busy[: MAILBOX_REQUESTS - 1] == [None] * (MAILBOX_REQUESTS - 1)
    assert busy[-1] == 600 and throttler.admit(1, mailbox="user-1").retry_after is None
    clock.now += 600
    assert throttler.admit(1, mailbox="user-0").retry_after is None


@pytest.mark.slow  # waits out Graph's Retry-After for real
def test_burst_gets_429_with_retry_after_and_only_waiting_helps() -> None:
    limits = ThrottleLimits(bucket_ru=4, bucket_window_s=2.0)  # refills 2 RU/s: slow enough for a loaded machine
    with emulator_in_thread(small_tenant(), EmulatorConfig(limits=limits)) as running, _client(running.url) as client:
        answers = [client.get("/organization?$select=id") for _ in range(6)]
        assert [a.status_code for a in answers[:4]] == [200] * 4
        assert answers[0].headers["x-ms-resource-unit"] == "1"
        throttled = answers[4]
        assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "TooManyRequests"
        assert int(throttled.headers["Retry-After"]) >= 1
        ignoring = [client.get("/organization?$select=id") for _ in range(5)]
        assert all(a.status_code == 429 for a in ignoring)
        time.sleep(int(ignoring[-1].headers["Retry-After"]))
        assert client.get("/organization?$select=id").status_code == 200
    assert running.stats.throttled == 7


def test_inner_batch_requests_are_throttled_one_by_one() -> None:
    limits = ThrottleLimits(bucket_ru=5, bucket_window_s=60.0)
    with emulator_in_thread(small_tenant(), EmulatorConfig(limits=limits)) as running, _client(running.url) as client:
        answers = _batch(client, [METHODS.format(ALICE)] * 8)
    statuses = sorted(a["status"] for a in answers.values())
    assert statuses == [200] * 5 + [429] * 3
    assert all(int(a["headers"]["Retry-After"]) >= 1 for a in answers.values() if a["status"] == 429)
    assert running.stats.throttled == 3


def test_registration_report_has_its_own_request_window() -> None:
    limits = ThrottleLimits(bucket_ru=1000, report_requests=2, report_window_s=30.0)
    with emulator_in_thread(small_tenant(), EmulatorConfig(limits=limits)) as running, _client(running.url) as client:
        report = [client.get("/reports/authenticationMethods/userRegistrationDetails") for _ in range(3)]
        other = client.get("/organization")
    assert [r.status_code for r in report] == [200, 200, 429]
    assert 1 <= int(report[2].headers["Retry-After"]) <= 30
    assert other.status_code == 200


@pytest.mark.parametrize(("profile", "methods_status"), [("documented", 200), ("reports", 429)])
def test_the_reports_profile_charges_per_user_methods_calls_to_the_reports_budget(profile, methods_status) -> None:
    """Graph's throttling page lists authenticationMethod under the reports limits: the profile serves that reading."""
    limits = ThrottleLimits(bucket_ru=1000, report_requests=2, report_window_s=30.0)
    tenant = small_tenant()
    user = tenant.users[0].id
    config = EmulatorConfig(limits=limits, throttle=profile)
    with emulator_in_thread(tenant, config) as running, _client(running.url) as client:
        report = [client.get("/reports/authenticationMethods/userRegistrationDetails") for _ in range(2)]
        methods = client.get(f"/users/{user}/authentication/methods")
        other = client.get(f"/users/{user}")
    assert [r.status_code for r in report] == [200, 200]
    assert methods.status_code == methods_status
    assert other.status_code == 200  # the rest of the directory keeps the identity bucket


# -- faults -------------------------------------------------------------------------------------------------------


def _outcomes(seed: int, urls: list[str]) -> list[str]:
    config = EmulatorConfig(throttle="off", fault_rate=0.5, seed=seed)
    outcomes = []
    with emulator_in_thread(small_tenant(), config) as running, _client(running.url) as client:
        for url in urls:
            try:
                outcomes.append(str(client.get(url).status_code))
            except httpx.TransportError:
                outcomes.append("reset")
        body = {
            "requests": [
                {"id": str(i), "method": "GET", "url": METHODS.format(u)}
                for i, u in enumerate((ALICE, BOB, FRANK, GRACE))
            ]
        }
        try:
            batch = client.post("/$batch", json=body)
        except httpx.TransportError:
            return [*outcomes, "batch reset"]
        if batch.status_code != 200:
            return [*outcomes, f"batch {batch.status_code}"]
        inner = sorted((r["id"], r["status"]) for r in batch.json()["responses"])
    return outcomes + [f"inner {status}" for _, status in inner]


FAULT_SEEDS = (77, 58)  # seeds whose draws for the sequence below include no slow answer: the test stays fast


def test_faults_reproduce_for_a_seed() -> None:
    urls = [METHODS.format(u) for u in (ALICE, BOB, CAROL, FRANK, GRACE)] + ["/organization"] * 4
    first, again = _outcomes(FAULT_SEEDS[0], urls), _outcomes(FAULT_SEEDS[0], urls)
    assert first == again
    assert {"500", "503", "reset", "inner 500"} <= set(first) and "200" in first
    assert _outcomes(FAULT_SEEDS[1], urls) != first


def test_fault_schedule_is_seeded_and_retries_draw_afresh() -> None:
    draws = [fault_schedule(5, 0.3, "GET /organization?", attempt) for attempt in range(400)]
    assert draws == [fault_schedule(5, 0.3, "GET /organization?", attempt) for attempt in range(400)]
    hit = [d for d in draws if d is not None]
    assert 80 < len(hit) < 160 and {f for f, _ in hit} == set(Fault)
    assert all(0.2 <= delay <= 0.8 for fault, delay in hit if fault is Fault.SLOW)
    inner = [fault_schedule(5, 1.0, "k", attempt, inner=True) for attempt in range(100)]
    assert Fault.RESET not in {f for f, _ in inner}
    assert fault_schedule(5, 0.0, "k", 0) is None


def test_latency_jitter_is_seeded_with_the_configured_mean() -> None:
    jitter, same = Jitter(3, 40.0), Jitter(3, 40.0)
    draws = [jitter.next_delay() for _ in range(4000)]
    assert draws == [same.next_delay() for _ in range(4000)]
    assert 0.036 < sum(draws) / len(draws) < 0.044 and max(draws) > 2 * min(draws)
    assert Jitter(3, 0.0).next_delay() == 0.0


# -- configuration ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"throttle": "sometimes"}, {"fault_rate": 1.5}, {"latency_ms": -1}, {"page_size_cap": 1000}, {"token": ""}],
)
def test_bad_configuration_is_an_input_error(options: dict) -> None:
    with pytest.raises(InputError):
        EmulatorConfig(**options)


def test_serve_forever_reports_its_url_and_stops_cleanly_on_ctrl_c() -> None:
    code = (
        "from tests.builders.emulator import small_tenant\n"
        "from sspr_audit.emulator.server import EmulatorConfig, serve_forever\n"
        "serve_forever(small_tenant(), EmulatorConfig(), '127.0.0.1', 0, lambda url: print(url, flush=True))\n"
        "print('stopped', flush=True)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code], cwd=CHECKOUT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        url = process.stdout.readline().strip()
        with _client(url) as client:
            assert client.get("/organization").status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert (process.returncode, out, err) == (0, "stopped\n", "")


def test_busy_port_is_an_input_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EmulatorConfigError, match="cannot listen"), emulator_in_thread(small_tenant(), port=port):
            pass


# -- typed method collections and domains ---------------------------------------------------------------------------

MOBILE_ID = PHONE_METHOD_IDS["mobile"]


def test_phone_methods_list_and_one_in_graph_shape(graph: httpx.Client) -> None:
    context = f"https://graph.microsoft.com/v1.0/$metadata#users('{ALICE}')/authentication/phoneMethods"
    mobile = {
        "id": MOBILE_ID,
        "phoneNumber": "+1 4255550101",
        "phoneType": "mobile",
        "smsSignInState": "notAllowedByPolicy",
    }
    listed = graph.get(f"/users/{ALICE}/authentication/phoneMethods")
    assert listed.status_code == 200
    assert listed.json() == {"@odata.context": context, "value": [mobile]}
    one = graph.get(f"/users/alice@contoso.example/authentication/phoneMethods/{MOBILE_ID.upper()}")
    assert one.json() == {"@odata.context": context + "/$entity", **mobile}
    _check(mobile, "phoneAuthenticationMethod", "phoneMethods", set())
    assert graph.get(f"/users/{BOB}/authentication/phoneMethods").json()["value"] == []


def test_email_methods_list_and_one_in_graph_shape(graph: httpx.Client) -> None:
    context = f"https://graph.microsoft.com/v1.0/$metadata#users('{ALICE}')/authentication/emailMethods"
    email = {"id": "e1", "emailAddress": "alice@home.example"}
    assert graph.get(f"/users/{ALICE}/authentication/emailMethods").json() == {
        "@odata.context": context,
        "value": [email],
    }
    assert graph.get(f"/users/{ALICE}/authentication/emailMethods/e1").json() == {
        "@odata.context": context + "/$entity",
        **email,
    }
    _check(email, "emailAuthenticationMethod", "emailMethods", set())


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        (f"/users/{ALICE}/authentication/phoneMethods/{PHONE_METHOD_IDS['office']}", 404, "Request_ResourceNotFound"),
        (f"/users/{ALICE}/authentication/emailMethods/{MOBILE_ID}", 404, "Request_ResourceNotFound"),
        ("/users/no-such-user/authentication/phoneMethods", 404, "Request_ResourceNotFound"),
        (f"/users/{ERIN}/authentication/phoneMethods", 503, "serviceNotAvailable"),
        (f"/users/{ERIN}/authentication/emailMethods", 503, "serviceNotAvailable"),
        (f"/users/{ALICE}/authentication/phoneMethods?$select=phoneNumber", 400, "Request_UnsupportedQuery"),
        ("/domains/nothere.example", 404, "Request_ResourceNotFound"),
        ("/domains?$select=name", 400, "BadRequest"),
    ],
)
def test_typed_methods_and_domains_refuse_what_graph_refuses(
    graph: httpx.Client, url: str, status: int, code: str
) -> None:
    response = graph.get(url)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def _domain(name: str, *, default: bool, initial: bool) -> dict:
    return {
        "authenticationType": "Managed",
        "availabilityStatus": None,
        "id": name,
        "isAdminManaged": True,
        "isDefault": default,
        "isInitial": initial,
        "isRoot": True,
        "isVerified": True,
        "manufacturer": None,
        "model": None,
        "passwordNotificationWindowInDays": 14,
        "passwordValidityPeriodInDays": 2147483647,
        "state": None,
        "supportedServices": ["Email", "OfficeCommunicationsOnline"],
    }


def test_domains_list_one_and_select(graph: httpx.Client) -> None:
    context = "https://graph.microsoft.com/v1.0/$metadata#domains"
    custom = _domain("contoso.example", default=True, initial=False)
    initial = _domain("contosodemo.onmicrosoft.com", default=False, initial=True)
    assert graph.get("/domains").json() == {"@odata.context": context, "value": [custom, initial]}
    for domain in (custom, initial):
        _check(domain, "domain", "domains", set())
    assert graph.get("/domains/CONTOSO.example").json() == {"@odata.context": context + "/$entity", **custom}
    assert graph.get("/domains?$select=isDefault").json() == {
        "@odata.context": context + "(isDefault)",
        "value": [
            {"id": "contoso.example", "isDefault": True},
            {"id": "contosodemo.onmicrosoft.com", "isDefault": False},
        ],
    }


# -- $count, $orderby, startswith ----------------------------------------------------------------------------------

EVENTUAL = {"ConsistencyLevel": "eventual"}
NAMES = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace"]


def _names(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> list[str]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return [u["displayName"] for u in response.json()["value"]]


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("", "7"),
        ("?$filter=accountEnabled eq true", "6"),
        ("?$filter=startswith(displayName,'a')", "1"),
        ("?$filter=startswith(userPrincipalName,'nobody')", "0"),
    ],
)
def test_raw_count_of_users_with_consistency_level_eventual(graph: httpx.Client, query: str, count: str) -> None:
    response = graph.get("/users/$count" + query, headers={"consistencylevel": "Eventual"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain;charset=utf-8"
    assert response.text == count


def test_count_without_consistency_level_is_graphs_400(graph: httpx.Client) -> None:
    raw = graph.get("/users/$count")
    assert raw.status_code == 400
    assert raw.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert raw.json()["error"]["message"] == (
        "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is missing."
        " Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    )
    inline = graph.get("/users?$count=true")
    assert inline.status_code == 400
    assert inline.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert inline.json()["error"]["message"] == (
        "$count=true is not supported because the 'ConsistencyLevel:eventual' header is missing."
        " Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    )
    assert graph.get("/users?$count=maybe", headers=EVENTUAL).json()["error"]["code"] == "BadRequest"
    assert graph.get("/groups?$count=true", headers=EVENTUAL).status_code == 400


def test_count_true_adds_odata_count_to_every_page(graph: httpx.Client) -> None:
    first = graph.get("/users?$count=true&$top=4&$select=displayName", headers=EVENTUAL).json()
    assert list(first) == ["@odata.context", "@odata.count", "value", "@odata.nextLink"]
    assert first["@odata.count"] == 7 and [u["displayName"] for u in first["value"]] == NAMES[:4]
    assert "$count=true" in first["@odata.nextLink"]
    second = graph.get(first["@odata.nextLink"], headers=EVENTUAL).json()
    assert second["@odata.count"] == 7 and [u["displayName"] for u in second["value"]] == NAMES[4:]
    filtered = graph.get("/users?$count=true&$filter=accountEnabled eq false", headers=EVENTUAL).json()
    assert filtered["@odata.count"] == 1 and [u["id"] for u in filtered["value"]] == [CAROL]
    assert "@odata.count" not in graph.get("/users?$count=false").json()


def test_orderby_display_name_and_user_principal_name(graph: httpx.Client) -> None:
    assert _names(graph, "/users?$orderby=displayName desc&$select=displayName") == NAMES[::-1]
    assert _names(graph, "/users?$orderby=DisplayName asc") == NAMES
    upns = graph.get("/users?$orderby=userPrincipalName desc&$top=2&$select=userPrincipalName").json()
    assert [u["userPrincipalName"] for u in upns["value"]] == ["grace@contoso.example", "frank@contoso.example"]
    follow = graph.get(upns["@odata.nextLink"]).json()["value"]
    assert [u["userPrincipalName"] for u in follow] == ["erin@contoso.example", "dave@contoso.example"]


def test_orderby_with_filter_is_an_advanced_query(graph: httpx.Client) -> None:
    url = "/users?$filter=accountEnabled eq true&$orderby=displayName desc"
    refused = graph.get(url)
    assert refused.status_code == 400
    assert refused.json()["error"] == refused.json()["error"] | {
        "code": "Request_UnsupportedQuery",
        "message": "Sorting not supported for current query.",
    }
    assert _names(graph, url, EVENTUAL) == ["Grace", "Frank", "Erin", "Dave", "Bob", "Alice"]


@pytest.mark.parametrize(
    ("filter_text", "names"),
    [
        ("startswith(displayName,'a')", ["Alice"]),
        ("startsWith(userPrincipalName, 'CA')", ["Carol"]),
        ("startswith(userPrincipalName,'') and accountEnabled eq false", ["Carol"]),
        ("accountEnabled eq true and startswith(userPrincipalName,'ca')", []),
        ("startswith(mail,'alice@')", ["Alice"]),
        ("startswith(displayName,'O''Brien')", []),
        ("startswith(displayName,'') AND startswith(userPrincipalName,'f')", ["Frank"]),
    ],
)
def test_startswith_filters_users(graph: httpx.Client, filter_text: str, names: list[str]) -> None:
    assert _names(graph, f"/users?$filter={filter_text}") == names


@pytest.mark.parametrize(
    "filter_text",
    [
        "startswith(department,'I')",
        "startswith(displayName,'a') or startswith(displayName,'b')",
        "startswith(displayName,'a') and",
        "accountEnabled eq true and accountEnabled eq false",
        "startswith(displayName,a)",
    ],
)
def test_startswith_filters_graph_does_not_take_are_400(graph: httpx.Client, filter_text: str) -> None:
    response = graph.get(f"/users?$filter={filter_text}")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"Unsupported or invalid query filter clause specified for resource 'User': {filter_text}"
    )


def test_registration_report_filters_on_user_principal_name(graph: httpx.Client) -> None:
    report = "/reports/authenticationMethods/userRegistrationDetails"
    rows = graph.get(f"{report}?$filter=startswith(userPrincipalName,'F')").json()["value"]
    assert [(r["id"], r["userPrincipalName"]) for r in rows] == [(FRANK, "frank@contoso.example")]
    assert graph.get(f"{report}?$filter=startswith(userPrincipalName,'dave')").json()["value"] == []  # no row
    refused = graph.get(f"{report}?$filter=accountEnabled eq true")
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == (
        "Unsupported or invalid query filter clause specified for resource 'UserRegistrationDetails':"
        " accountEnabled eq true"
    )


def test_consistency_level_travels_per_request_inside_a_batch(graph: httpx.Client) -> None:
    body = {
        "requests": [
            {"id": "1", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}},
            {"id": "2", "method": "GET", "url": "/users/$count"},
        ]
    }
    answers = {item["id"]: item for item in graph.post("/$batch", json=body).json()["responses"]}
    assert answers["1"]["status"] == 200 and answers["1"]["body"] == 7
    assert answers["2"]["status"] == 400 and answers["2"]["body"]["error"]["code"] == "Request_UnsupportedQuery"


# -- request ids ----------------------------------------------------------------------------------------------------

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.mark.parametrize(
    ("method", "url", "status", "token"),
    [
        ("GET", "/users?$select=noSuchProperty", 400, TOKEN),
        ("GET", "/users/no-such-user", 404, TOKEN),
        ("GET", f"/users/{ERIN}/authentication/methods", 503, TOKEN),
        ("DELETE", "/users", 405, TOKEN),
        ("GET", "/users", 401, "not-the-token"),
        ("GET", "/users/$count", 400, TOKEN),
        ("POST", "/$batch", 400, TOKEN),
    ],
)
def test_an_error_body_names_the_request_id_of_its_response(
    emulator: Any, method: str, url: str, status: int, token: str
) -> None:
    with _client(emulator.url, token) as client:
        for sent in (None, "my-client-id-42"):
            headers = {"client-request-id": sent} if sent else {}
            response = client.request(method, url, headers=headers, json={"requests": []} if method == "POST" else None)
            assert response.status_code == status
            request_id = response.headers["request-id"]
            assert _GUID.match(request_id)
            assert response.headers["client-request-id"] == (sent or request_id)
            inner = response.json()["error"]["innerError"]
            assert inner["request-id"] == request_id
            assert inner["client-request-id"] == (sent or request_id)


def test_every_response_gets_its_own_request_id(graph: httpx.Client) -> None:
    ids = {graph.get("/organization").headers["request-id"] for _ in range(3)}
    ids |= {graph.get("/nothingHere").json()["error"]["innerError"]["request-id"] for _ in range(3)}
    assert len(ids) == 6 and all(_GUID.match(i) for i in ids)


def test_a_throttled_answer_names_its_request_id_too() -> None:
    limits = ThrottleLimits(bucket_ru=4, bucket_window_s=60.0)
    with emulator_in_thread(small_tenant(), EmulatorConfig(limits=limits)) as running, _client(running.url) as client:
        answers = [client.get("/users") for _ in range(3)]
    throttled = [r for r in answers if r.status_code == 429]
    assert throttled
    for response in throttled:
        assert response.json()["error"]["innerError"]["request-id"] == response.headers["request-id"]


# -- writes: the remediation script's PATCHes -----------------------------------------------------------------------

CONTACT = "$select=mobilePhone,businessPhones,otherMails"


@pytest.fixture
def writable() -> Iterator[httpx.Client]:
    """A client of an emulator of its own: writes change the tenant it serves."""
    with emulator_in_thread(small_tenant(), EmulatorConfig(throttle="off")) as running, _client(running.url) as client:
        yield client


def _contact(client: httpx.Client, user: str) -> dict:
    body = client.get(f"/users/{user}?{CONTACT}").json()
    return {k: body[k] for k in ("mobilePhone", "businessPhones", "otherMails")}


def test_patch_user_changes_what_later_reads_return(writable: httpx.Client) -> None:
    assert _contact(writable, BOB) == {"mobilePhone": None, "businessPhones": [], "otherMails": []}
    changes = {"mobilePhone": "+1 4255550199", "businessPhones": ["+1 4255550198"], "otherMails": ["bob@home.example"]}
    response = writable.patch(f"/users/{BOB}", json=changes)
    assert response.status_code == 204 and response.content == b""
    assert "content-type" not in response.headers and _GUID.match(response.headers["request-id"])
    assert _contact(writable, BOB) == changes
    listed = writable.get(f"/users?$filter=startswith(mobilePhone,'%2B1 425555019')&{CONTACT}").json()["value"]
    assert listed == [{"id": BOB, **changes}]
    assert (
        writable.patch("/users/bob@contoso.example", json={"MOBILEPHONE": None, "businessPhones": []}).status_code
        == 204
    )
    assert _contact(writable, BOB) == {"mobilePhone": None, "businessPhones": [], "otherMails": ["bob@home.example"]}


def test_a_synced_users_phones_are_refused_but_other_mails_change(writable: httpx.Client) -> None:
    before = _contact(writable, ALICE)
    for changes in ({"mobilePhone": "+1 4255550111"}, {"businessPhones": ["+1 4255550112"]}):
        refused = writable.patch(f"/users/{ALICE}", json=changes)
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "Request_BadRequest"
        assert refused.json()["error"]["message"] == (
            "Unable to update the specified properties for on-premises mastered Directory Sync objects"
            " or objects currently undergoing migration."
        )
    assert _contact(writable, ALICE) == before
    assert writable.patch(f"/users/{ALICE}", json={"otherMails": ["alice@new.example"]}).status_code == 204
    assert _contact(writable, ALICE) == before | {"otherMails": ["alice@new.example"]}


@pytest.mark.parametrize(
    ("url", "body", "status", "message"),
    [
        (
            f"/users/{BOB}",
            {"favouriteColour": "blue"},
            400,
            "Property 'favouriteColour' does not exist as a declared property or extension property.",
        ),
        (
            f"/users/{BOB}",
            {"displayName": "Robert"},
            400,
            "Updating 'displayName' is not supported here;"
            " only mobilePhone, businessPhones, otherMails can be changed.",
        ),
        (
            f"/users/{BOB}",
            {"businessPhones": ["+1 4255550100", "+1 4255550101"]},
            400,
            "Invalid value specified for property 'businessPhones' of resource 'User'.",
        ),
        (
            f"/users/{BOB}",
            {"businessPhones": "+1 4255550100"},
            400,
            "Invalid value specified for property 'businessPhones' of resource 'User'.",
        ),
        (
            f"/users/{BOB}",
            {"mobilePhone": 4255550100},
            400,
            "Invalid value specified for property 'mobilePhone' of resource 'User'.",
        ),
        (
            f"/users/{BOB}",
            ["mobilePhone"],
            400,
            "Unable to read JSON request payload."
            " Please ensure Content-Type header is set and payload is of valid JSON format.",
        ),
        (
            f"/users/{BOB}?$select=id",
            {"mobilePhone": None},
            400,
            "$select is not supported on microsoft.graph.user.",
        ),
        (
            "/users/no-such-user",
            {"mobilePhone": None},
            404,
            "Resource 'no-such-user' does not exist or one of its queried reference-property objects are not present.",
        ),
    ],
)
def test_patch_user_refuses_what_it_cannot_take_and_changes_nothing(
    writable: httpx.Client, url: str, body: Any, status: int, message: str
) -> None:
    response = writable.patch(url, json=body)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message
    assert _contact(writable, BOB) == {"mobilePhone": None, "businessPhones": [], "otherMails": []}


def test_other_methods_on_a_user_are_405(writable: httpx.Client) -> None:
    for method in ("PUT", "DELETE", "POST"):
        response = writable.request(method, f"/users/{BOB}", json={"mobilePhone": None})
        assert response.status_code == 405
    assert writable.patch("/users", json={"mobilePhone": None}).status_code == 405


ALTERNATE_ID = PHONE_METHOD_IDS["alternateMobile"]


def test_patch_phone_method_changes_the_number_everywhere(writable: httpx.Client) -> None:
    url = f"/users/{FRANK}/authentication/phoneMethods/{ALTERNATE_ID}"
    assert writable.get(METHODS.format(FRANK)).json()["value"][0]["phoneNumber"] == "+1 2065550123"  # cached
    response = writable.patch(url, json={"phoneNumber": "+1 2065550999", "phoneType": "alternateMobile"})
    assert response.status_code == 200
    changed = {
        "id": ALTERNATE_ID,
        "phoneNumber": "+1 2065550999",
        "phoneType": "alternateMobile",
        "smsSignInState": "notSupported",
    }
    context = f"https://graph.microsoft.com/v1.0/$metadata#users('{FRANK}')/authentication/phoneMethods"
    assert response.json() == {"@odata.context": context + "/$entity", **changed}
    assert writable.get(url).json() == {"@odata.context": context + "/$entity", **changed}
    assert writable.get(f"/users/{FRANK}/authentication/phoneMethods").json()["value"] == [changed]
    assert writable.get(METHODS.format(FRANK)).json()["value"] == [
        {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", **changed}
    ]


@pytest.mark.parametrize(
    ("url", "body", "status", "message"),
    [
        (
            f"/users/{FRANK}/authentication/phoneMethods/{ALTERNATE_ID}",
            {"phoneType": "mobile", "phoneNumber": "+1 2065550999"},
            400,
            "The phone type of an existing phone method cannot be changed.",
        ),
        (
            f"/users/{FRANK}/authentication/phoneMethods/{ALTERNATE_ID}",
            {"phoneNumber": "206 555 0999"},
            400,
            "Invalid phone number: it must look like '+{country code} {subscriber number}x{extension}'.",
        ),
        (
            f"/users/{FRANK}/authentication/phoneMethods/{ALTERNATE_ID}",
            {"phoneNumber": None},
            400,
            "Invalid phone number: it must look like '+{country code} {subscriber number}x{extension}'.",
        ),
        (
            f"/users/{FRANK}/authentication/phoneMethods/{ALTERNATE_ID}",
            {"smsSignInState": "ready"},
            400,
            "Property 'smsSignInState' does not exist on type 'microsoft.graph.phoneAuthenticationMethod'.",
        ),
        (
            f"/users/{FRANK}/authentication/phoneMethods/{MOBILE_ID}",
            {"phoneNumber": "+1 2065550999"},
            404,
            f"Resource '{MOBILE_ID}' does not exist or one of its queried reference-property objects are not present.",
        ),
        (
            f"/users/{ERIN}/authentication/phoneMethods/{MOBILE_ID}",
            {"phoneNumber": "+1 2065550999"},
            503,
            "The authentication methods service is unavailable.",
        ),
    ],
)
def test_patch_phone_method_refuses_and_changes_nothing(
    writable: httpx.Client, url: str, body: Any, status: int, message: str
) -> None:
    response = writable.patch(url, json=body)
    assert response.status_code == status
    assert response.json()["error"]["message"] == message
    numbers = [m["phoneNumber"] for m in writable.get(f"/users/{FRANK}/authentication/phoneMethods").json()["value"]]
    assert numbers == ["+1 2065550123"]


def test_patches_inside_a_batch(writable: httpx.Client) -> None:
    body = {
        "requests": [
            {
                "id": "1",
                "method": "PATCH",
                "url": f"/users/{BOB}",
                "headers": {"Content-Type": "application/json"},
                "body": {"mobilePhone": "+1 4255550177"},
            },
            {
                "id": "2",
                "method": "PATCH",
                "url": f"/users/{FRANK}/authentication/phoneMethods/{ALTERNATE_ID}",
                "headers": {"Content-Type": "application/json"},
                "body": {"phoneNumber": "+1 2065550888"},
            },
            {"id": "3", "method": "PATCH", "url": f"/users/{ALICE}", "body": {"mobilePhone": None}},
        ]
    }
    response = writable.post("/$batch", json=body)
    answers = {item["id"]: item for item in response.json()["responses"]}
    assert answers["1"] == {"id": "1", "status": 204, "headers": {"x-ms-resource-unit": "1"}}
    assert answers["2"]["status"] == 200 and answers["2"]["body"]["phoneNumber"] == "+1 2065550888"
    assert answers["3"]["status"] == 400 and answers["3"]["body"]["error"]["code"] == "Request_BadRequest"
    assert _contact(writable, BOB)["mobilePhone"] == "+1 4255550177"
