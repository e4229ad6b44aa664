"""The Graph v1.0 resources the emulator serves, one handler each.

Handlers are synchronous and only read the indexed :class:`Directory`;
throttling, faults and error bodies are applied around them by
:mod:`sspr_audit.emulator.service`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sspr_audit.emulator.audit_log import sspr_events
from sspr_audit.emulator.config import EmulatorConfig, EmulatorStats
from sspr_audit.emulator.directory import Directory, RoleGrant
from sspr_audit.emulator.graph_views import (
    CONTEXT,
    DOMAIN_PROPERTIES,
    GRAPH,
    ORGANIZATION_PROPERTIES,
    REGISTRATION_PROPERTIES,
    USER_DEFAULT,
    USER_PROPERTIES,
    USER_TYPE,
    authentication_methods_policy_json,
    authorization_policy_json,
    company_subscription_json,
    domains_json,
    method_json,
    organization_json,
    pick,
    pick_user,
    registration_json,
    subscribed_sku_json,
    typed_user,
    user_json,
)
from sspr_audit.emulator.odata import (
    MAX_TOP,
    ODataQuery,
    PageTokens,
    QuerySpec,
    RowFilter,
    audit_filter,
    display_name_filter,
    properties,
    row_filter,
)
from sspr_audit.emulator.replies import (
    GraphError,
    Reply,
    dumps,
    json_reply,
    method_not_allowed,
    no_content,
    not_found,
)
from sspr_audit.emulator.scope_views import (
    MAILBOX_SETTINGS_PROPERTIES,
    NO_MAILBOX_MESSAGE,
    SIGN_IN_REFUSED_CODE,
    SIGN_IN_REFUSED_MESSAGE,
    mailbox_settings_json,
    scope_json,
)
from sspr_audit.emulator.writes import patch_phone_method, patch_user
from sspr_audit.snapshot.models import CollectionState, User

# Names Graph documents for startswith() in $filter and for $orderby on users (List users, "Optional query parameters").
USER_STARTSWITH = properties(
    "displayName", "givenName", "surname", "mail", "userPrincipalName", "jobTitle", "mobilePhone"
)
USER_ORDERBY = properties("displayName", "userPrincipalName")
REGISTRATION_STARTSWITH = properties("userPrincipalName", "userDisplayName")
EXPANDED_PAGE_CAP = 100  # $expand on users caps pages at 100 (reported Graph behaviour)
DEFAULT_PAGE = 100
REPORT_PAGE = 1000

GROUP_PROPERTIES = properties(
    "id",
    "displayName",
    "description",
    "groupTypes",
    "mail",
    "mailEnabled",
    "mailNickname",
    "securityEnabled",
    "isAssignableToRole",
)
MEMBER_PROPERTIES = properties("id", "displayName", "userPrincipalName", "mail", "accountEnabled", "userType")
PRINCIPAL_PROPERTIES = {**MEMBER_PROPERTIES, **GROUP_PROPERTIES, **properties("appId", "servicePrincipalType")}
ROLE_DEFINITION_PROPERTIES = properties(
    "id",
    "displayName",
    "description",
    "templateId",
    "isBuiltIn",
    "isEnabled",
    "resourceScopes",
    "rolePermissions",
    "version",
)
ASSIGNMENT_PROPERTIES = properties(
    "id", "roleDefinitionId", "principalId", "directoryScopeId", "appScopeId", "condition"
)
ELIGIBILITY_PROPERTIES = properties(
    "id",
    "roleDefinitionId",
    "principalId",
    "directoryScopeId",
    "appScopeId",
    "createdUsing",
    "createdDateTime",
    "modifiedDateTime",
    "status",
    "memberType",
    "scheduleInfo",
)
AUTHORIZATION_POLICY_PROPERTIES = properties(
    "id",
    "displayName",
    "description",
    "allowInvitesFrom",
    "allowedToSignUpEmailBasedSubscriptions",
    "allowedToUseSSPR",
    "allowEmailVerifiedUsersToJoinOrganization",
    "blockMsolPowerShell",
    "guestUserRoleId",
    "defaultUserRolePermissions",
)
SKU_PROPERTIES = properties(
    "id",
    "accountId",
    "accountName",
    "appliesTo",
    "capabilityStatus",
    "consumedUnits",
    "prepaidUnits",
    "servicePlans",
    "skuId",
    "skuPartNumber",
    "subscriptionIds",
)
SUBSCRIPTION_PROPERTIES = properties(
    "id",
    "commerceSubscriptionId",
    "createdDateTime",
    "isTrial",
    "nextLifecycleDateTime",
    "ownerId",
    "ownerTenantId",
    "ownerType",
    "serviceStatus",
    "skuId",
    "skuPartNumber",
    "status",
    "totalLicenses",
)
METHODS_POLICY_PROPERTIES = properties(
    "id",
    "displayName",
    "description",
    "lastModifiedDateTime",
    "policyVersion",
    "reconfirmationInDays",
    "policyMigrationState",
    "registrationEnforcement",
    "authenticationMethodConfigurations",
)

Handler = Callable[["GraphRequest", ODataQuery, tuple[str, ...]], Reply]


@dataclass(frozen=True)
class GraphRequest:
    """One Graph request, whole or inside a batch; ``path`` is relative to ``/v1.0``."""

    method: str
    path: str
    pairs: list[tuple[str, str]]
    base_url: str  # service root the client used, for @odata.nextLink
    inner: bool = False
    client_request_id: str | None = None
    eventual: bool = False  # ConsistencyLevel: eventual (Graph's advanced queries)
    request_id: str | None = None  # the HTTP response's request-id; None inside a batch
    body: bytes | None = None  # a PATCH's JSON body


def is_eventual(header: object) -> bool:
    """Does a ``ConsistencyLevel`` header value ask for Graph's advanced queries?"""
    return isinstance(header, str) and header.strip().lower() == "eventual"


@dataclass(frozen=True)
class Route:
    name: str
    pattern: re.Pattern[str]
    spec: QuerySpec
    handler: Handler
    base_ru: int = 1
    report: bool = False  # limited by the reports window, not the identity bucket
    mailbox: bool = False  # limited by Outlook's limit for the mailbox it reads, not the identity bucket
    method: str = "GET"


def _context(resource: str, query: ODataQuery) -> str:
    parts = list(query.select or ())
    if query.expand:
        parts.append(f"{query.expand}({','.join(query.expand_select or ())})")
    return CONTEXT + resource + (f"({','.join(parts)})" if parts else "")


class GraphRoutes:
    """Route table and handlers over one directory."""

    def __init__(self, directory: Directory, config: EmulatorConfig, stats: EmulatorStats, tokens: PageTokens) -> None:
        self.dir = directory
        self.config = config
        self.stats = stats
        self.tokens = tokens
        self._methods_cache: dict[str, bytes] = {}
        self._disabled = tuple(u for u in directory.users if not u.account_enabled)
        self._unreadable = {name.casefold() for name in config.unreadable_groups}
        self._licences = directory.tenant.settings.licences or ()  # none recorded: a tenant without subscriptions
        self._audits: list[dict[str, Any]] | None = None  # written on the first read: most runs never ask
        self.routes = self._table()

    def match(self, method: str, path: str) -> tuple[Route, tuple[str, ...]]:
        """The route for ``path``; 404 when none, 405 when it does not take ``method``."""
        trimmed = path.rstrip("/") or "/"
        matched = False
        for route in self.routes:
            found = route.pattern.fullmatch(trimmed)
            if found:
                if method == route.method:
                    return route, found.groups()
                matched = True
        if matched:
            raise method_not_allowed()
        raise GraphError(404, "Request_ResourceNotFound", f"Resource not found for the segment '{trimmed}'.")

    def _table(self) -> list[Route]:
        user = "microsoft.graph.user"
        user_filter = row_filter("User", USER_STARTSWITH, enabled=True)
        users_spec = QuerySpec(
            user,
            USER_PROPERTIES,
            user_filter,
            {"manager": USER_PROPERTIES},
            paged=True,
            orderby=USER_ORDERBY,
            countable=True,
        )
        principal = {"principal": PRINCIPAL_PROPERTIES}
        entries = [
            ("/organization", QuerySpec("microsoft.graph.organization", ORGANIZATION_PROPERTIES), self.organization, 1),
            ("/users", users_spec, self.users, 2),
            ("/users/\\$count", QuerySpec(user, filter=user_filter, raw_count=True), self.users_count, 1),
            ("/users/([^/]+)", QuerySpec(user, USER_PROPERTIES, expand={"manager": USER_PROPERTIES}), self.user, 1),
            ("/users/([^/]+)/manager", QuerySpec(user, USER_PROPERTIES), self.manager, 1),
            (
                "/users/([^/]+)/authentication/methods",
                QuerySpec("microsoft.graph.authenticationMethod"),
                self.methods,
                1,
            ),
            (
                "/users/([^/]+)/authentication/phoneMethods",
                QuerySpec("microsoft.graph.phoneAuthenticationMethod"),
                self.phone_methods,
                1,
            ),
            (
                "/users/([^/]+)/mailboxSettings",
                QuerySpec("microsoft.graph.mailboxSettings", MAILBOX_SETTINGS_PROPERTIES),
                self.mailbox_settings,
                1,
            ),
            (
                "/users/([^/]+)/authentication/phoneMethods/([^/]+)",
                QuerySpec("microsoft.graph.phoneAuthenticationMethod"),
                self.phone_method,
                1,
            ),
            (
                "/users/([^/]+)/authentication/emailMethods",
                QuerySpec("microsoft.graph.emailAuthenticationMethod"),
                self.email_methods,
                1,
            ),
            (
                "/users/([^/]+)/authentication/emailMethods/([^/]+)",
                QuerySpec("microsoft.graph.emailAuthenticationMethod"),
                self.email_method,
                1,
            ),
            ("/domains", QuerySpec("microsoft.graph.domain", DOMAIN_PROPERTIES), self.domains, 1),
            ("/domains/([^/]+)", QuerySpec("microsoft.graph.domain", DOMAIN_PROPERTIES), self.domain, 1),
            (
                "/reports/authenticationMethods/userRegistrationDetails",
                QuerySpec(
                    "microsoft.graph.userRegistrationDetails",
                    REGISTRATION_PROPERTIES,
                    row_filter("UserRegistrationDetails", REGISTRATION_STARTSWITH, enabled=False),
                    paged=True,
                ),
                self.registration,
                1,
            ),
            (
                "/auditLogs/directoryAudits",
                QuerySpec("microsoft.graph.directoryAudit", filter=audit_filter, paged=True),
                self.directory_audits,
                1,
            ),
            (
                "/roleManagement/directory/roleDefinitions",
                QuerySpec("microsoft.graph.unifiedRoleDefinition", ROLE_DEFINITION_PROPERTIES, paged=True),
                self.role_definitions,
                1,
            ),
            (
                "/roleManagement/directory/roleAssignments",
                QuerySpec("microsoft.graph.unifiedRoleAssignment", ASSIGNMENT_PROPERTIES, expand=principal, paged=True),
                self.role_assignments,
                1,
            ),
            (
                "/roleManagement/directory/roleEligibilitySchedules",
                QuerySpec(
                    "microsoft.graph.unifiedRoleEligibilitySchedule",
                    ELIGIBILITY_PROPERTIES,
                    expand=principal,
                    paged=True,
                ),
                self.role_eligibility,
                1,
            ),
            (
                "/policies/authorizationPolicy",
                QuerySpec("microsoft.graph.authorizationPolicy", AUTHORIZATION_POLICY_PROPERTIES),
                self.authorization_policy,
                1,
            ),
            (
                "/policies/authenticationMethodsPolicy",
                QuerySpec("microsoft.graph.authenticationMethodsPolicy", METHODS_POLICY_PROPERTIES),
                self.methods_policy,
                1,
            ),
            (
                "/directory/onPremisesSynchronization",
                QuerySpec("microsoft.graph.onPremisesDirectorySynchronization"),
                self.on_premises_sync,
                1,
            ),
            (
                "/groups",
                QuerySpec("microsoft.graph.group", GROUP_PROPERTIES, display_name_filter, paged=True),
                self.groups,
                1,
            ),
            ("/groups/([^/]+)", QuerySpec("microsoft.graph.group", GROUP_PROPERTIES), self.group, 1),
            (
                "/groups/([^/]+)/transitiveMembers",
                QuerySpec("microsoft.graph.directoryObject", MEMBER_PROPERTIES, paged=True),
                self.members,
                1,
            ),
            (
                "/groups/([^/]+)/transitiveMembers/microsoft\\.graph\\.user",
                QuerySpec(user, USER_PROPERTIES, paged=True),
                self.user_members,
                1,
            ),
            ("/subscribedSkus", QuerySpec("microsoft.graph.subscribedSku", SKU_PROPERTIES), self.subscribed_skus, 1),
            (
                "/directory/subscriptions",
                QuerySpec("microsoft.graph.companySubscription", SUBSCRIPTION_PROPERTIES, paged=True),
                self.subscriptions,
                1,
            ),
        ]
        writes = [
            ("/users/([^/]+)", QuerySpec(user), self.patch_user, 1),
            (
                "/users/([^/]+)/authentication/phoneMethods/([^/]+)",
                QuerySpec("microsoft.graph.phoneAuthenticationMethod"),
                self.patch_phone_method,
                1,
            ),
        ]
        routes = []
        for (template, spec, handler, base_ru), method in [(e, "GET") for e in entries] + [
            (w, "PATCH") for w in writes
        ]:
            name = f"{method} " + template.replace("([^/]+)", "{id}").replace("\\.", ".").replace("\\$", "$")
            pattern = re.compile(template, re.IGNORECASE)
            routes.append(
                Route(
                    name,
                    pattern,
                    spec,
                    handler,
                    base_ru,
                    report=template.startswith(("/reports/", "/auditLogs/")),
                    mailbox=template.endswith("/mailboxSettings"),
                    method=method,
                )
            )
        return routes

    # -- paging ---------------------------------------------------------------------------------------------------

    def _page(
        self,
        req: GraphRequest,
        query: ODataQuery,
        items: Sequence[Any],
        render: Callable[[Any], dict],
        context: str,
        default: int = DEFAULT_PAGE,
        cap: int = MAX_TOP,
    ) -> Reply:
        """One page of ``items``; a full page always links to the next one, which may be empty."""
        size = min(query.top or default, cap, self.config.page_size_cap)
        scope = f"{req.path}?{query.scope}"
        offset = self.tokens.offset(scope, query.skiptoken) if query.skiptoken else 0
        chunk = items[offset : offset + size]
        body: dict[str, Any] = {"@odata.context": context}
        if query.count:
            body["@odata.count"] = len(items)
        body["value"] = [render(item) for item in chunk]
        if len(chunk) == size:
            separator = "&" if query.encoded else ""
            token = self.tokens.issue(scope, offset + size)
            body["@odata.nextLink"] = f"{req.base_url}/v1.0{req.path}?{query.encoded}{separator}$skiptoken={token}"
        reply = json_reply(body)
        reply.page = offset // size + 1
        return reply

    def _user(self, key: str) -> User:
        found = self.dir.user(key)
        if found is None:
            raise not_found(key)
        return found

    def _manager(self, user: User, select: tuple[str, ...] | None) -> dict[str, Any] | None:
        if not user.manager_id:
            return None
        manager = self.dir.user(user.manager_id)
        body = (
            typed_user(manager)
            if manager
            else {"@odata.type": USER_TYPE, "id": user.manager_id, "displayName": user.manager_name}
        )
        return pick_user(body, select)

    def _user_body(self, user: User, query: ODataQuery) -> dict[str, Any]:
        entity = user_json(user)
        if query.select is not None:
            entity.update(scope_json(user, self.dir.tenant))
        body = pick_user(entity, query.select)
        if query.expand == "manager":
            manager = self._manager(user, query.expand_select)
            if manager is not None:
                body["manager"] = manager
        return body

    # -- handlers -------------------------------------------------------------------------------------------------

    def organization(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        org = pick(organization_json(self.dir.tenant), query.select)
        return json_reply({"@odata.context": _context("organization", query), "value": [org]})

    def _filtered_users(self, query: ODataQuery) -> Sequence[User]:
        """The users ``$filter`` keeps, in ``$orderby`` order (else the directory's)."""
        chosen: RowFilter = query.filter or RowFilter()
        items: Sequence[User] = {True: self.dir.enabled, False: self._disabled, None: self.dir.users}[chosen.enabled]
        if chosen.prefixes:
            items = [u for u in items if chosen.matches(user_json(u))]
        if query.orderby is not None:
            name, descending = query.orderby
            items = sorted(items, key=lambda u: (user_json(u)[name] or "").casefold(), reverse=descending)
        return items

    def users_count(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        return Reply(200, str(len(self._filtered_users(query))).encode(), {"Content-Type": "text/plain;charset=utf-8"})

    def _sign_ins_permitted(self, query: ODataQuery) -> None:
        """Graph refuses the whole request when signInActivity is selected in a tenant without Entra ID P1."""
        if self.config.unlicensed and "signInActivity" in (query.select or ()):
            raise GraphError(403, SIGN_IN_REFUSED_CODE, SIGN_IN_REFUSED_MESSAGE)

    def users(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        self._sign_ins_permitted(query)
        items = self._filtered_users(query)
        cap = EXPANDED_PAGE_CAP if query.expand else MAX_TOP
        return self._page(req, query, items, lambda u: self._user_body(u, query), _context("users", query), cap=cap)

    def user(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        self._sign_ins_permitted(query)
        body = {"@odata.context": _context("users", query) + "/$entity", **self._user_body(self._user(args[0]), query)}
        return json_reply(body)

    def manager(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        manager = self._manager(self._user(args[0]), query.select)
        if manager is None:
            raise not_found("manager")
        return json_reply({"@odata.context": _context("directoryObjects", query) + "/$entity", **manager})

    def methods(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        user = self._user(args[0])
        if user.collection.state == CollectionState.FAILED:
            raise GraphError(503, "serviceNotAvailable", "The authentication methods service is unavailable.")
        body = self._methods_cache.get(user.id)
        if body is None:
            value = [method_json(user.id, m) for m in user.methods or ()]
            body = dumps({"@odata.context": f"{CONTEXT}users('{user.id}')/authentication/methods", "value": value})
            self._methods_cache[user.id] = body
        self.stats.user_method_calls[user.id] += 1
        return Reply(200, body)

    def _typed_methods(self, key: str, kind: str) -> tuple[User, list[dict[str, Any]]]:
        """The user's methods of one Graph type, without @odata.type (the collection's declared type)."""
        user = self._user(key)
        if user.collection.state == CollectionState.FAILED:
            raise GraphError(503, "serviceNotAvailable", "The authentication methods service is unavailable.")
        bodies = [method_json(user.id, m) for m in user.methods or ()]
        return user, [
            {k: v for k, v in body.items() if k != "@odata.type"}
            for body in bodies
            if body["@odata.type"] == GRAPH + kind
        ]

    def _typed_list(self, key: str, kind: str, segment: str) -> Reply:
        user, value = self._typed_methods(key, kind)
        return json_reply({"@odata.context": f"{CONTEXT}users('{user.id}')/authentication/{segment}", "value": value})

    def _typed_one(self, key: str, method_id: str, kind: str, segment: str) -> Reply:
        user, value = self._typed_methods(key, kind)
        found = next((m for m in value if m["id"].lower() == method_id.lower()), None)
        if found is None:
            raise not_found(method_id)
        return json_reply({"@odata.context": f"{CONTEXT}users('{user.id}')/authentication/{segment}/$entity", **found})

    def mailbox_settings(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        user = self._user(args[0])
        if self.config.mailboxes_denied:
            raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        body = mailbox_settings_json(user, self.dir.tenant, query.select)
        if body is None:
            raise GraphError(404, "MailboxNotEnabledForRESTAPI", NO_MAILBOX_MESSAGE)
        return json_reply(body)

    def phone_methods(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        return self._typed_list(args[0], "phoneAuthenticationMethod", "phoneMethods")

    def phone_method(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        return self._typed_one(args[0], args[1], "phoneAuthenticationMethod", "phoneMethods")

    def email_methods(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        return self._typed_list(args[0], "emailAuthenticationMethod", "emailMethods")

    def email_method(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        return self._typed_one(args[0], args[1], "emailAuthenticationMethod", "emailMethods")

    def _store(self, user: User) -> None:
        """Keep a changed user: later reads of the user, its methods and the lists see the change."""
        self.dir.replace_user(user)
        self._disabled = tuple(u for u in self.dir.users if not u.account_enabled)
        self._methods_cache.pop(user.id, None)

    def patch_user(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        self._store(patch_user(self._user(args[0]), req.body))
        return no_content()

    def patch_phone_method(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        user, _ = self._typed_methods(args[0], "phoneAuthenticationMethod")  # 404 / 503 as the GET answers
        self._store(patch_phone_method(user, args[1], req.body))
        return self._typed_one(user.id, args[1], "phoneAuthenticationMethod", "phoneMethods")

    def domains(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        value = [pick(d, query.select) for d in domains_json(self.dir.tenant)]
        return json_reply({"@odata.context": _context("domains", query), "value": value})

    def domain(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        found = next((d for d in domains_json(self.dir.tenant) if d["id"].lower() == args[0].lower()), None)
        if found is None:
            raise not_found(args[0])
        return json_reply({"@odata.context": _context("domains", query) + "/$entity", **pick(found, query.select)})

    def registration(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        if self.config.unlicensed:
            raise GraphError(
                403,
                "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                "Tenant is not a B2C tenant and doesn't have premium license",
            )
        context = _context("reports/authenticationMethods/userRegistrationDetails", query)
        rows: Sequence[User] = self.dir.registered
        if query.filter is not None:
            rows = [u for u in rows if u.registration and query.filter.matches(registration_json(u, u.registration))]
        return self._page(
            req,
            query,
            rows,
            lambda u: pick(registration_json(u, u.registration), query.select),
            context,
            REPORT_PAGE,
        )

    def directory_audits(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        if self.config.audit_log_denied:
            raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        if self._audits is None:
            self._audits = sspr_events(self.dir.users)
        events = self._audits if query.filter is None else [e for e in self._audits if query.filter.matches(e)]
        return self._page(req, query, events, dict, _context("auditLogs/directoryAudits", query), REPORT_PAGE)

    def role_definitions(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        context = _context("roleManagement/directory/roleDefinitions", query)
        return self._page(req, query, self.dir.role_definitions, lambda d: pick(d, query.select), context, MAX_TOP)

    def _grant(self, grant: RoleGrant, body: dict[str, Any], query: ODataQuery) -> dict[str, Any]:
        body = pick(body, query.select)
        if query.expand:
            body["principal"] = pick(self.dir.principal_json(grant), query.expand_select)
        return body

    def role_assignments(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        context = _context("roleManagement/directory/roleAssignments", query)
        return self._page(
            req, query, self.dir.assignments, lambda g: self._grant(g, self.dir.assignment_json(g), query), context
        )

    def role_eligibility(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        if self.config.unlicensed:
            raise GraphError(403, "AadPremiumLicenseRequired", "The tenant needs an AAD Premium 2 license.")
        context = _context("roleManagement/directory/roleEligibilitySchedules", query)
        return self._page(
            req, query, self.dir.eligibilities, lambda g: self._grant(g, self.dir.eligibility_json(g), query), context
        )

    def authorization_policy(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        return json_reply(pick(authorization_policy_json(self.dir.tenant.settings), query.select))

    def methods_policy(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        return json_reply(pick(authentication_methods_policy_json(self.dir.tenant.settings), query.select))

    def on_premises_sync(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")

    def groups(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        items: Sequence[Any] = self.dir.group_list
        if query.filter is not None:
            wanted = query.filter.casefold()
            items = [g for g in items if g.display_name.casefold() == wanted]
        return self._page(
            req, query, items, lambda g: pick(self.dir.group_json(g), query.select), _context("groups", query)
        )

    def _group(self, key: str) -> Any:
        group = self.dir.groups.get(key.lower())
        if group is None:
            raise not_found(key)
        return group

    def group(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        body = pick(self.dir.group_json(self._group(args[0])), query.select)
        return json_reply({"@odata.context": _context("groups", query) + "/$entity", **body})

    def _readable_members(self, key: str) -> Any:
        """The group, unless the configuration makes its members unreadable (403, as Graph refuses them)."""
        group = self._group(key)
        if {group.id.lower(), group.display_name.casefold()} & self._unreadable:
            raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        return group

    def members(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        group = self._readable_members(args[0])
        return self._page(
            req,
            query,
            self.dir.member_ids[group.id.lower()],
            lambda uid: pick(typed_user(self.dir.by_key[uid.lower()]), query.select, USER_DEFAULT),
            _context("directoryObjects", query),
        )

    def user_members(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        """The OData cast ``transitiveMembers/microsoft.graph.user``: users only, typed by the collection."""
        group = self._readable_members(args[0])
        return self._page(
            req,
            query,
            self.dir.member_ids[group.id.lower()],
            lambda uid: pick_user(user_json(self.dir.by_key[uid.lower()]), query.select),
            _context("users", query),
        )

    def subscribed_skus(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        tenant = self.dir.tenant
        value = [pick(subscribed_sku_json(tenant, licence), query.select) for licence in self._licences]
        return json_reply({"@odata.context": _context("subscribedSkus", query), "value": value})

    def subscriptions(self, req: GraphRequest, query: ODataQuery, args: tuple[str, ...]) -> Reply:
        tenant = self.dir.tenant
        return self._page(
            req,
            query,
            self._licences,
            lambda licence: pick(company_subscription_json(tenant, licence), query.select),
            _context("directory/subscriptions", query),
        )
