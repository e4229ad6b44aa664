"""What tests are built from: hand-made snapshots and audit results, tenants for the emulator, hostile text.

* :mod:`.snapshots`: a tenant, users and their methods, a snapshot (``b.user("alex", methods=(b.app(),))``);
* :mod:`.results`: audit results as renderers see them, ``sample_result()`` and ``bulk_result(n)``;
* :mod:`.emulator`: small tenants the Graph emulator serves, with known ids;
* :mod:`.nasty`: a tenant of hostile and odd directory data.

The ids and strings several of them need are defined here, once.
"""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
DATA = CHECKOUT / "tests" / "data"
FAST_BASE_DELAY = (
    0.001  # seconds before a first retry in tests: the back-off still doubles and jitters, in milliseconds
)

# Built-in Entra role templates: (display name, template id).
GLOBAL_ADMIN = ("Global Administrator", "62e90394-69f5-4237-9190-012177145e10")
HELPDESK_ADMIN = ("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8")
USER_ADMIN = ("User Administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1")
PASSWORD_ADMIN = ("Password Administrator", "966707d0-3269-4727-9be2-8c3a10f19b9d")
REPORTS_READER = ("Reports Reader", "4a5d8f65-41da-4de4-8968-e035b65339cf")

# Directory text an attacker (or an unlucky import) could put in a display name.
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>alert(1)</script>"
