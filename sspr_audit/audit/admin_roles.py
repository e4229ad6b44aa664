"""Roles that put a user under SSPR's administrator *two-gate* policy.

Source: Microsoft Entra documentation, "Password policies and account
restrictions", section "Administrator reset policy differences"
(https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy).
Kept as data: a policy file can add or remove roles (``[admins]``).
Matching is by role display name (case-insensitive) or role template id.
"""

from __future__ import annotations

TWO_GATE_ROLE_NAMES: tuple[str, ...] = (
    "AdHoc License Administrator",
    "Application Administrator",
    "Application Proxy Service Administrator",
    "Attack Simulation Administrator",
    "Attribute Assignment Administrator",
    "Attribute Definition Administrator",
    "Attribute Log Administrator",
    "Authentication Administrator",
    "Authentication Extensibility Administrator",
    "Authentication Policy Administrator",
    "Azure DevOps Administrator",
    "Azure Information Protection Administrator",
    "B2C IEF Keyset Administrator",
    "B2C IEF Policy Administrator",
    "Billing Administrator",
    "Cloud App Security Administrator",
    "Cloud Device Administrator",
    "Compliance Administrator",
    "Compliance Data Administrator",
    "Conditional Access Administrator",
    "Customer Lockbox Access Approver",
    "Desktop Analytics Administrator",
    "Device Administrators",
    "Directory Synchronization Accounts",
    "Directory Writers",
    "Domain Name Administrator",
    "Dynamics 365 Administrator",
    "Dynamics 365 Business Central Administrator",
    "Edge Administrator",
    "Email Verified User Creator",
    "Exchange Administrator",
    "Exchange Recipient Administrator",
    "External ID User Flow Administrator",
    "External ID User Flow Attribute Administrator",
    "External Identity Provider Administrator",
    "Global Administrator",
    "Global Secure Access Administrator",
    "Groups Administrator",
    "Helpdesk Administrator",
    "Hybrid Identity Administrator",
    "Identity Governance Administrator",
    "Insights Administrator",
    "Intune Administrator",
    "Knowledge Administrator",
    "License Administrator",
    "Lifecycle Workflows Administrator",
    "Mailbox Administrator",
    "Microsoft Entra Joined Device Local Administrator",
    "Microsoft Hardware Warranty Administrator",
    "Microsoft 365 Migration Administrator",
    "Modern Commerce Administrator",
    "Network Administrator",
    "Office Apps Administrator",
    "Organizational Branding Administrator",
    "Partner Tier1 Support",
    "Partner Tier2 Support",
    "Password Administrator",
    "Permissions Management Administrator",
    "Power BI Service Administrator",
    "Power Platform Administrator",
    "Printer Administrator",
    "Privileged Authentication Administrator",
    "Privileged Role Administrator",
    "Search Administrator",
    "Security Administrator",
    "Service Support Administrator",
    "SharePoint Administrator",
    "Skype for Business Administrator",
    "Teams Administrator",
    "Teams Communications Administrator",
    "Teams Devices Administrator",
    "User Administrator",
    "Virtual Visits Administrator",
    "Viva Goals Administrator",
    "Viva Pulse Administrator",
    "Windows365 Administrator",
    "Windows Update Deployment Administrator",
    "Yammer Administrator",
)

# Earlier or later display names of roles in Microsoft's table, so a tenant that shows either is matched.
RENAMED_ROLES: tuple[str, ...] = (
    "Azure AD Joined Device Local Administrator",  # now Microsoft Entra Joined Device Local Administrator
    "Windows 365 Administrator",  # Microsoft's table writes Windows365 Administrator
    "Fabric Administrator",  # formerly Power BI Service Administrator
    "Microsoft365 Migration Administrator",  # a spelling seen in tenants and older pages
)

# Template ids of the most common two-gate roles, for role definitions whose
# display name was localised or renamed.
TWO_GATE_ROLE_TEMPLATE_IDS: frozenset[str] = frozenset(
    {
        "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
        "e8611ab8-c189-46e8-94e1-60213ab1f814",  # Privileged Role Administrator
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",  # Privileged Authentication Administrator
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",  # Authentication Administrator
        "966707d0-3269-4727-9be2-8c3a10f19b9d",  # Password Administrator
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
        "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
        "194ae4cb-b126-40b2-bd5b-6091b380977d",  # Security Administrator
        "29232cdf-9323-42fd-ade2-1d097af3e4de",  # Exchange Administrator
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",  # SharePoint Administrator
        "69091246-20e8-4a56-aa4d-066075b2a7a8",  # Teams Administrator
        "3a2c62db-5318-420d-8d74-23affee5d9d5",  # Intune Administrator
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",  # Billing Administrator
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",  # Application Administrator
        "17315797-102d-40b4-93e0-432062caca18",  # Compliance Administrator
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",  # Conditional Access Administrator
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",  # Hybrid Identity Administrator
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",  # Groups Administrator
        "8c8b803f-96e1-4129-9349-20738d9f9652",  # Microsoft 365 Migration Administrator
    }
)


def matcher(extra: tuple[str, ...] = (), removed: tuple[str, ...] = ()):
    """A predicate ``(role_name, template_id) -> bool`` for the two-gate list, adjusted by policy."""
    names = {n.casefold() for n in (*TWO_GATE_ROLE_NAMES, *RENAMED_ROLES)} | {e.casefold() for e in extra}
    ids = set(TWO_GATE_ROLE_TEMPLATE_IDS) | {e.lower() for e in extra}
    gone = {r.casefold() for r in removed}
    names -= gone
    ids -= gone

    def is_two_gate(role_name: str, template_id: str) -> bool:
        if role_name.casefold() in gone or template_id.lower() in gone:
            return False
        return role_name.casefold() in names or template_id.lower() in ids

    return is_two_gate
