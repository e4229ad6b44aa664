"""Remediation: the plan (who fixes what), the CSV, and the PowerShell script."""

from __future__ import annotations

import csv
import re
import shutil
import stat
import subprocess
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sspr_audit.audit.policy import Exclusion, Policy
from sspr_audit.audit.sspr_methods import PHONE_METHOD_IDS
from sspr_audit.remediation import files as remediation_files
from sspr_audit.remediation.files import COLUMNS, ps_quote, render_script, write_remediation
from sspr_audit.remediation.plan import Category, plan_remediation
from tests.builders import snapshots as b

CHANGE_CMDLET = re.compile(r"\b(?:Update|New|Remove|Set|Invoke)-Mg\w*")


def items_of(plan, upn):
    return {i.field: i for i in plan.items if i.upn == upn}


# --- A reader of the PowerShell the generator writes: strings, comments, blocks ------------------------------


def code_and_blocks(script: str) -> list[tuple[str, tuple[str, ...]]]:
    """Split a script into code fragments outside strings and comments, each with its enclosing block headers.

    A block header is the code before its ``{`` since the last ``{``, ``}`` or line end:
    ``if ($Apply)``, ``else``, ``function Set-ContactPhone``, ...
    """
    out: list[tuple[str, tuple[str, ...]]] = []
    stack: list[str] = []
    header = ""
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        if script.startswith("<#", i):
            i = script.index("#>", i) + 2
        elif c == "#":
            i = script.find("\n", i) if "\n" in script[i:] else n
        elif c == "'":
            i = _end_of_single_quoted(script, i)
            header += "'...'"
        elif c == '"':
            i = _end_of_double_quoted(script, i)
            header += '"..."'
        elif c == "{":
            stack.append(header.strip())
            header = ""
            i += 1
        elif c == "}":
            stack.pop()
            header = ""
            i += 1
        elif c == "\n":
            header = ""
            i += 1
        else:
            j = i
            while j < n and script[j] not in "<#'\"{}\n":
                j += 1
            j = max(j, i + 1)
            out.append((script[i:j], tuple(stack)))
            header += script[i:j]
            i = j
    assert not stack, "unbalanced braces"
    return out


def _end_of_single_quoted(s: str, i: int) -> int:
    i += 1
    while True:
        j = s.index("'", i)
        if s.startswith("''", j):
            i = j + 2
            continue
        return j + 1


def _end_of_double_quoted(s: str, i: int) -> int:
    i += 1
    while True:
        c = s[i]
        if c == "`" or s.startswith('""', i):
            i += 2
        elif c == '"':
            return i + 1
        else:
            i += 1


def ps_value(expr: str) -> str:
    """Evaluate what ps_quote writes: single-quoted strings and [char]0x.... joined by +, maybe in parentheses."""
    if expr.startswith("(") and expr.endswith(")"):
        expr = expr[1:-1]
    units = bytearray()
    pos = 0
    token = re.compile(r"'((?:[^']|'')*)'|\[char\]0x([0-9A-F]{4})")
    first = True
    while pos < len(expr):
        if not first:
            assert expr.startswith(" + ", pos), expr
            pos += 3
        m = token.match(expr, pos)
        assert m, f"unexpected PowerShell at {expr[pos:]!r}"
        if m.group(1) is not None:
            units += m.group(1).replace("''", "'").encode("utf-16-be")
        else:
            assert not first, "an expression must start with a string"
            units += int(m.group(2), 16).to_bytes(2)
        pos, first = m.end(), False
    return units.decode("utf-16-be", errors="surrogatepass")


def call_arguments(script: str, cmdlet: str) -> list[dict[str, str]]:
    """The named arguments of each call of ``cmdlet`` at the top level of the script, evaluated."""
    calls = []
    literal = r"(?:\((?:'(?:[^']|'')*'|\[char\]0x[0-9A-F]{4}| \+ )+\)|'(?:[^']|'')*'|\d+)"
    for m in re.finditer(rf"^{cmdlet} (.*?)$(?:\n    (.*?)$)?", script, re.M):
        text = " ".join(g for g in m.groups() if g).replace(" `", "")
        args = {}
        for a in re.finditer(rf"-(\w+) ({literal})", text):
            value = a.group(2)
            args[a.group(1)] = value if value.isdigit() else ps_value(value)
        calls.append(args)
    return calls


# --- The plan ---------------------------------------------------------------------------------------------------


def test_cloud_user_gets_the_sspr_format_in_the_script():
    ann = b.user("ann", mobile_phone="(425) 555-0123", business_phones=("+1 425.555.0199",))
    plan = plan_remediation(b.snapshot(ann), Policy())
    mobile, office = items_of(plan, "ann@contoso.com").values()
    assert (mobile.field, mobile.current, mobile.proposed, mobile.category) == (
        "mobilePhone",
        "(425) 555-0123",
        "+1 4255550123",
        Category.SCRIPT,
    )
    assert mobile.who == "cloud: Update-MgUser"
    assert "Read as a number of US, from the user's usage location." in mobile.why
    assert "does not start with +" in mobile.why
    assert (office.field, office.proposed, office.attribute, office.index) == (
        "businessPhones[0]",
        "+1 4255550199",
        "businessPhones",
        0,
    )


def test_policy_region_wins_over_usage_location_and_is_named():
    u = b.user("gb", mobile_phone="020 7946 0000", usage_location="US")
    item = plan_remediation(b.snapshot(u), Policy(default_phone_region="GB")).items[0]
    assert item.proposed == "+44 2079460000"
    assert "Read as a number of GB, from the policy's default region." in item.why
    assert "fixed-line number (GB): SMS will not arrive" in item.why  # format fixed, the landline stays a landline


def test_synced_user_goes_to_on_premises_ad_with_the_attribute():
    syd = b.user(
        "syd", mobile_phone="+14255550124", business_phones=("+1 (425) 555-0125",), on_premises_sync_enabled=True
    )
    plan = plan_remediation(b.snapshot(syd), Policy())
    items = items_of(plan, "syd@contoso.com")
    assert {f: (i.category, i.proposed, i.who) for f, i in items.items()} == {
        "mobilePhone": (Category.ON_PREMISES, "+1 4255550124", "on-premises AD: attribute `mobile`"),
        "businessPhones[0]": (Category.ON_PREMISES, "+1 4255550125", "on-premises AD: attribute `telephoneNumber`"),
    }
    assert plan.on_premises_users == 1
    assert plan.by_category(Category.SCRIPT) == ()


def test_authentication_phone_of_cloud_user_is_scripted_with_its_method_id():
    u = b.user("cy", methods=(b.phone("+1 (206) 555-0100", "alternateMobile"),))
    item = plan_remediation(b.snapshot(u), Policy()).items[0]
    assert (item.field, item.category, item.proposed) == (
        "authentication phone (alternateMobile)",
        Category.SCRIPT,
        "+1 2065550100",
    )
    assert (item.phone_type, item.method_id) == ("alternateMobile", PHONE_METHOD_IDS["alternateMobile"])
    assert item.who == "cloud: Update-MgUserAuthenticationPhoneMethod"


def test_authentication_phone_of_synced_user_is_left_to_the_user():
    u = b.user("hy", methods=(b.phone("+1 (206) 555-0101"),), on_premises_sync_enabled=True)
    item = plan_remediation(b.snapshot(u), Policy()).items[0]
    assert item.category == Category.USER
    assert item.who.startswith("the user at https://aka.ms/mysecurityinfo")


@pytest.mark.parametrize(
    ("raw", "region", "because"),
    [
        ("(425) 555-0123", None, "National number without a country code"),
        ("+1 4251234567", None, "no such number exists"),
        ("+44 7700 900123", None, "not valid in its country's numbering plan"),
        ("1-800-FLOWERS", "US", "vanity number"),
        ("+1 425 555 0199 x12", None, "a direct number is needed"),
        ("+1 42XXXXXX67", None, "masked"),
        ("+1 425", None, "wrong length"),
    ],
)
def test_ambiguous_numbers_are_for_a_person_to_decide(raw, region, because):
    u = b.user("amb", mobile_phone=raw, usage_location=None)
    plan = plan_remediation(b.snapshot(u), Policy(default_phone_region=region))
    (item,) = plan.items
    assert (item.category, item.proposed, item.current) == (Category.DECIDE, None, raw)
    assert because in item.why
    assert item.who == "a person must decide; then cloud: Update-MgUser"
    assert "amb@contoso.com" not in render_script(plan)


def test_a_fixed_line_in_the_mobile_slot_without_format_defect_is_decided():
    u = b.user("fl", mobile_phone="+44 2079460000")
    (item,) = plan_remediation(b.snapshot(u), Policy()).items
    assert (item.category, item.proposed) == (Category.DECIDE, None)
    assert "SMS will not arrive" in item.why


def test_a_shared_number_is_decided_for_every_holder():
    one = b.user("one", business_phones=("+1 425-555-0100",))
    two = b.user("two", mobile_phone="+1 4255550100", on_premises_sync_enabled=True)
    plan = plan_remediation(b.snapshot(one, two), Policy())
    assert [(i.upn, i.category, i.proposed) for i in plan.items] == [
        ("one@contoso.com", Category.DECIDE, None),
        ("two@contoso.com", Category.DECIDE, None),
    ]
    assert "on 1 other user(s)" in plan.items[0].why
    assert "+1 4255550100, not proposed: several users hold this number" in plan.items[0].why
    assert plan.items[1].who == "a person must decide; then on-premises AD: attribute `mobile`"


def test_emails_malformed_to_decide_organisation_domain_to_the_user():
    u = b.user("em", other_mails=("bad@@example.org", "em@contoso.com", "em@example.org"))
    plan = plan_remediation(b.snapshot(u), Policy(email_domains=("contoso.com",)))
    items = items_of(plan, "em@contoso.com")
    assert set(items) == {"otherMails[0]", "otherMails[1]"}
    assert (items["otherMails[0]"].category, items["otherMails[0]"].proposed) == (Category.DECIDE, None)
    assert "otherMails by default" in items["otherMails[0]"].who
    assert items["otherMails[1]"].category == Category.USER
    assert "own domain (contoso.com)" in items["otherMails[1]"].why


def test_sound_data_and_unjudged_users_give_no_items():
    fine = b.user("fine", mobile_phone="+1 2065550100", methods=(b.phone("+1 2065550101"),))
    off = b.user("off", mobile_phone="(425) 555-0123", account_enabled=False)
    glass = b.user("glass", mobile_phone="(425) 555-0124")
    policy = Policy(exclusions=(Exclusion("glass@*", "break-glass"),))
    assert plan_remediation(b.snapshot(fine, off, glass), policy).items == ()


def test_accounts_nobody_uses_get_no_fixes():
    """Shared mailboxes and accounts idle past [scope] stale_after_days are set aside, as in the audit."""
    read = tuple(b.SourceStatus(s, b.SourceState.READ) for s in ("users", "sign_in_activity"))
    shared = replace(b.user("sales", mobile_phone="(425) 555-0125"), mailbox_purpose="shared")
    idle = replace(b.user("idle", mobile_phone="(425) 555-0126"), last_sign_in="2025-01-01T00:00:00Z")
    person = replace(b.user("ana", mobile_phone="(425) 555-0127"), last_sign_in="2026-11-19T00:00:00Z")
    plan = plan_remediation(b.snapshot(shared, idle, person, sources=read), Policy())
    assert {i.upn for i in plan.items} == {"ana@contoso.com"}


def test_order_is_category_then_user_then_field_and_stable():
    users = [
        b.user("zed", mobile_phone="(425) 555-0130", business_phones=("425 555 0131",)),
        b.user("amy", mobile_phone="555-0132", usage_location=None),
        b.user("bea", mobile_phone="+14255550133", on_premises_sync_enabled=True),
        b.user("Abe", mobile_phone="(425) 555-0134"),
    ]
    plan = plan_remediation(b.snapshot(*users), Policy())
    assert [(i.category.value, i.upn, i.field) for i in plan.items] == [
        ("script", "Abe@contoso.com", "mobilePhone"),
        ("script", "zed@contoso.com", "mobilePhone"),
        ("script", "zed@contoso.com", "businessPhones[0]"),
        ("on_premises", "bea@contoso.com", "mobilePhone"),
        ("decide", "amy@contoso.com", "mobilePhone"),
    ]
    assert plan_remediation(b.snapshot(*reversed(users)), Policy()).items == plan.items
    assert plan.summary() == (
        "3 change(s) in the script (cloud-only users), 1 for on-premises AD, 0 for the users "
        "themselves, 1 for a person to decide."
    )


# --- The PowerShell string escaper ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("+1 4255550123", "'+1 4255550123'"),
        ("o'brien@contoso.com", "'o''brien@contoso.com'"),
        ("'; Remove-MgUser -UserId x; '", "'''; Remove-MgUser -UserId x; '''"),
        ('$(Remove-MgUser) `n ${x} "q"', "'$(Remove-MgUser) `n ${x} \"q\"'"),
        ("a\nb", "('a' + [char]0x000A + 'b')"),
        ("\x00", "('' + [char]0x0000)"),
        ("\u2019'; x; '", "('' + [char]0x2019 + '''; x; ''')"),  # a typographic quote ends strings too
        ("é😀", "('' + [char]0x00E9 + [char]0xD83D + [char]0xDE00)"),
        ("", "''"),
    ],
)
def test_ps_quote_exact_text(value, quoted):
    assert ps_quote(value) == quoted
    assert ps_value(ps_quote(value)) == value


@given(st.text())
def test_ps_quote_round_trips_and_stays_one_ascii_line(value):
    quoted = ps_quote(value)
    assert quoted.isascii() and "\n" not in quoted and "\r" not in quoted
    assert ps_value(quoted) == value
    # Outside its string literals, the expression holds nothing but [char] codes, + and parentheses.
    code = "".join(fragment for fragment, _ in code_and_blocks(quoted))
    assert re.fullmatch(r"[()+ ]*(?:\[char\]0x[0-9A-F]{4}[()+ ]*)*", code)


def test_the_template_refuses_unquoted_text():
    with pytest.raises(TypeError, match="without ps_quote"):
        remediation_files._only_quoted("x'; Remove-MgUser")
    assert remediation_files._only_quoted(3) == 3


# --- The script -------------------------------------------------------------------------------------------------


def small_plan():
    ann = replace(
        b.user("ann", mobile_phone="(425) 555-0123", business_phones=("+1 425.555.0199",)),
        id="aaaaaaaa-0000-0000-0000-000000000001",
    )
    cy = replace(b.user("cy", methods=(b.phone("+1 (206) 555-0100"),)), id="cccccccc-0000-0000-0000-000000000003")
    syd = b.user("syd", mobile_phone="+14255550124", on_premises_sync_enabled=True)
    amb = b.user("amb", mobile_phone="555-0123", usage_location=None)
    return plan_remediation(b.snapshot(cy, syd, amb, ann), Policy())


GOLDEN_CALLS = """\
Set-ContactPhone -UserId 'aaaaaaaa-0000-0000-0000-000000000001' -Upn 'ann@contoso.com' -Field 'mobilePhone' \
-Property 'mobilePhone' -Index 0 `
    -Expected '(425) 555-0123' -Proposed '+1 4255550123'
Set-ContactPhone -UserId 'aaaaaaaa-0000-0000-0000-000000000001' -Upn 'ann@contoso.com' -Field 'businessPhones[0]' \
-Property 'businessPhones' -Index 0 `
    -Expected '+1 425.555.0199' -Proposed '+1 4255550199'
Set-AuthenticationPhone -UserId 'cccccccc-0000-0000-0000-000000000003' -Upn 'cy@contoso.com' \
-Field 'authentication phone (mobile)' -MethodId '3179e48a-750b-4051-897c-87b9720928f7' `
    -Expected '+1 (206) 555-0100' -Proposed '+1 2065550100'
"""


def test_script_golden_text_for_a_small_plan():
    script = render_script(small_plan())
    assert script.startswith("#Requires -Modules Microsoft.Graph.Users, Microsoft.Graph.Identity.SignIns\n<#\n")
    assert "[CmdletBinding(SupportsShouldProcess)]\nparam(\n    [switch]$Apply,\n" in script
    assert "$TenantId = '11111111-2222-3333-4444-555555555555'\n$AuditedAt = '2026-11-20T09:00:00Z'\n" in script
    assert "    Changes in this script: 3.\n" in script
    assert "    Synced users left to on-premises AD (see remediation.csv): 1.\n" in script
    assert script.split('Outcomes are logged in $LogPath"\n\n')[1].split("$Summary = ")[0] == GOLDEN_CALLS
    assert script.isascii()


def test_script_skips_synced_and_ambiguous_users():
    script = render_script(small_plan())
    assert "syd@contoso.com" not in script and "+14255550124" not in script
    assert "amb@contoso.com" not in script and "'555-0123'" not in script


def test_no_change_cmdlet_outside_an_apply_guard():
    script = render_script(small_plan())
    changes = [(frag, stack) for frag, stack in code_and_blocks(script) for _ in CHANGE_CMDLET.findall(frag)]
    assert {CHANGE_CMDLET.search(f).group() for f, _ in changes} == {
        "Update-MgUser",
        "Update-MgUserAuthenticationPhoneMethod",
    }
    for fragment, stack in changes:
        assert "if ($Apply)" in stack, f"{fragment.strip()!r} runs without -Apply (blocks: {stack})"


def test_each_change_asks_should_process_once_and_nothing_else_prompts():
    script = render_script(small_plan())
    changes = [(f, stack) for f, stack in code_and_blocks(script) if CHANGE_CMDLET.search(f)]
    for fragment, stack in changes:
        assert any(h.startswith("if (Confirm-Change ") for h in stack), fragment
    body = script.split("function Confirm-Change {")[1].split("\n}\n")[0]
    assert "$PSCmdlet.ShouldProcess(" in body and "declined at the confirmation" in body
    code = " ".join(f for f, _ in code_and_blocks(script))
    assert code.count("-Confirm:$false") == 4  # three change calls and the log
    assert "Export-Csv -LiteralPath $LogPath -Append -NoTypeInformation -Encoding UTF8 -WhatIf:$false" in script


def test_a_session_without_the_scopes_signs_in_again_with_them():
    script = render_script(small_plan())
    connect = script.split("$Context = Get-MgContext\n")[1].split('Write-Host "Values')[0]
    assert "Test-Scope -Granted @($Context.Scopes)" in connect
    assert "if ($null -eq $Context -or $Missing.Count -gt 0) {" in connect
    assert connect.rstrip().endswith("Connect-MgGraph -TenantId $TenantId -Scopes $Scopes\n}")
    assert "$Context.AuthType -eq 'AppOnly'" in connect
    assert "($Scope -replace '\\.Read\\.', '.ReadWrite.')" in script


def test_the_script_ends_with_a_count_of_outcomes():
    script = render_script(small_plan())
    assert "$Outcomes = [ordered]@{ 'changed' = 0; 'would change' = 0; 'skipped' = 0; 'failed' = 0 }" in script
    assert "$Outcomes[$Outcome] += 1" in script.split("function Write-RemediationLog {")[1].split("\n}\n")[0]
    tail = script.rsplit("$Summary = ", 1)[1]
    assert 'Write-Host "Done: $Summary. Outcomes are in $LogPath"' in tail
    assert "if ($Outcomes['failed'] -gt 0) {\n    exit 1\n}" in tail


def test_the_guard_check_catches_an_unguarded_change():
    unguarded = "if ($Apply) {\n    Write-Host 'x'\n} else {\n    Update-MgUser -UserId 'u' -MobilePhone 'p'\n}\n"
    (stack,) = [s for f, s in code_and_blocks(unguarded) if CHANGE_CMDLET.search(f)]
    assert "if ($Apply)" not in stack


def test_write_scopes_only_when_applying_and_a_dry_run_message():
    script = render_script(small_plan())
    blocks = {stack: frag for frag, stack in code_and_blocks(script) if "Scopes = " in frag}
    assert list(blocks) == [("if ($Apply)",), ("else",)]
    assert "'User.ReadWrite.All', 'UserAuthenticationMethod.ReadWrite.All'" in script.split("} else {\n    $Scopes")[0]
    assert "Write-Host 'Dry run: nothing will be changed. Run the script again with -Apply" in script
    assert "Connect-MgGraph -TenantId $TenantId -Scopes $Scopes" in script


def test_each_change_reads_compares_and_logs():
    script = render_script(small_plan())
    assert (
        "Get-MgUser -UserId $UserId -Property 'id', 'onPremisesSyncEnabled', 'mobilePhone', 'businessPhones'" in script
    )
    assert "Get-MgUserAuthenticationPhoneMethod -UserId $UserId" in script
    assert script.count("if ($Current -cne $Expected) {") == 2
    assert "-Reason \"the value changed since the audit (now '$Current')\"" in script
    assert "Export-Csv -LiteralPath $LogPath -Append" in script
    for result in ("'changed'", "'would change'", '"failed: ', '"skipped: '):
        assert f"-Result {result}" in script


def test_hostile_values_stay_data():
    upn = "x'; Remove-MgUser -UserId 1; '$(Remove-MgUser)`@contoso.com"
    u = replace(b.user("x", mobile_phone="+1 4255550123\n"), user_principal_name=upn)
    v = replace(b.user("o", methods=(b.phone("+1 425 555 0124;"),)), user_principal_name="o'brien\u2019@contoso.com")
    script = render_script(plan_remediation(b.snapshot(u, v), Policy()))
    code = " ".join(fragment for fragment, _ in code_and_blocks(script))
    assert "Remove-MgUser" not in code
    calls = call_arguments(script, "Set-ContactPhone") + call_arguments(script, "Set-AuthenticationPhone")
    assert [(c["Upn"], c["Expected"], c["Proposed"]) for c in calls] == [
        (upn, "+1 4255550123\n", "+1 4255550123"),
        ("o'brien\u2019@contoso.com", "+1 425 555 0124;", "+1 4255550124"),
    ]
    assert script.isascii()


def test_a_plan_with_nothing_to_script_says_so_and_connects_nowhere():
    plan = plan_remediation(b.snapshot(b.user("amb", mobile_phone="555-0123", usage_location=None)), Policy())
    script = render_script(plan)
    code = " ".join(fragment for fragment, _ in code_and_blocks(script))
    assert "Connect-MgGraph" not in code and "Set-ContactPhone -UserId" not in script
    assert "Write-Host 'No cloud-only user has a number this script can correct" in script


@pytest.mark.skipif(
    shutil.which("pwsh") is None,
    reason="pwsh (PowerShell 7) is not installed and not packaged for Debian; the script's text is "
    "checked exactly instead",
)
def test_pwsh_parses_the_script(tmp_path):
    path = tmp_path / "remediate.ps1"
    path.write_text(render_script(small_plan()), encoding="ascii")
    command = (
        f"$e = $null; $null = [System.Management.Automation.Language.Parser]::ParseFile('{path}', "
        "[ref]$null, [ref]$e); $e | ForEach-Object { $_.Message }; exit $e.Count"
    )
    run = subprocess.run(
        ["pwsh", "-NoProfile", "-NonInteractive", "-Command", command], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr


# --- The files --------------------------------------------------------------------------------------------------


def test_write_remediation_writes_csv_and_script_owner_only(tmp_path):
    paths = write_remediation(small_plan(), tmp_path / "out")
    assert [p.name for p in paths] == ["remediation.csv", "remediation.xlsx", "remediate.ps1"]
    for p in paths:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert paths[2].read_text(encoding="ascii") == render_script(small_plan())
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_csv_rows_columns_and_neutralised_formulas(tmp_path):
    (csv_path, _, _) = write_remediation(small_plan(), tmp_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(
        b"\xef\xbb\xbfcategory,upn,user_id,display_name,field,current_value,proposed_value,why,who_can_fix\r\n"
    )
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8-sig", newline="")))
    assert [
        (r["category"], r["upn"], r["field"], r["current_value"], r["proposed_value"], r["who_can_fix"]) for r in rows
    ] == [
        ("script", "ann@contoso.com", "mobilePhone", "(425) 555-0123", "'+1 4255550123", "cloud: Update-MgUser"),
        (
            "script",
            "ann@contoso.com",
            "businessPhones[0]",
            "'+1 425.555.0199",
            "'+1 4255550199",
            "cloud: Update-MgUser",
        ),
        (
            "script",
            "cy@contoso.com",
            "authentication phone (mobile)",
            "'+1 (206) 555-0100",
            "'+1 2065550100",
            "cloud: Update-MgUserAuthenticationPhoneMethod",
        ),
        (
            "on_premises",
            "syd@contoso.com",
            "mobilePhone",
            "'+14255550124",
            "'+1 4255550124",
            "on-premises AD: attribute `mobile`",
        ),
        ("decide", "amb@contoso.com", "mobilePhone", "555-0123", "", "a person must decide; then cloud: Update-MgUser"),
    ]
    assert all(r["why"] for r in rows)


def test_csv_neutralises_a_hostile_display_name(tmp_path):
    u = b.user("eve", mobile_phone="(425) 555-0140", display_name='=HYPERLINK("http://x")')
    (csv_path, _, _) = write_remediation(plan_remediation(b.snapshot(u), Policy()), tmp_path)
    (row,) = csv.DictReader(csv_path.open(encoding="utf-8-sig", newline=""))
    assert row["display_name"] == '\'=HYPERLINK("http://x")'


def test_workbook_cells_are_text_so_a_proposed_number_copies_as_it_is(tmp_path):
    import openpyxl

    hostile = replace(b.user("eve", mobile_phone="+1 425.555.0123"), display_name='=HYPERLINK("http://x")')
    plan = plan_remediation(b.snapshot(hostile), Policy())
    (_, xlsx_path, _) = write_remediation(plan, tmp_path)
    ws = openpyxl.load_workbook(xlsx_path)["Remediation"]
    assert [c.value for c in ws[1]] == list(COLUMNS)
    row = {h: c for h, c in zip(COLUMNS, ws[2], strict=True)}
    assert (row["current_value"].value, row["proposed_value"].value) == ("+1 425.555.0123", "+1 4255550123")
    assert row["display_name"].value == '=HYPERLINK("http://x")'
    for cell in ws[2]:
        if cell.value is not None:
            assert (cell.data_type, cell.number_format, cell.font.name) == ("s", "@", "Calibri"), cell.coordinate
    assert ws.page_setup.orientation == "landscape"
