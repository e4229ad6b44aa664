"""National clouds and the Graph endpoint a collection talks to.

The one place that knows where Graph lives: the bearer token is sent to this
host and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sspr_audit.collect.errors import OptionError

# cloud name -> (Graph service root, login host)
CLOUDS: dict[str, tuple[str, str]] = {
    "global": ("https://graph.microsoft.com", "login.microsoftonline.com"),
    "usgov": ("https://graph.microsoft.us", "login.microsoftonline.us"),
    "usgov-dod": ("https://dod-graph.microsoft.us", "login.microsoftonline.us"),
    "china": ("https://microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn"),
}
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class GraphEndpoint:
    """Where Graph lives and where its tokens come from."""

    root: str  # service root without the version, e.g. https://graph.microsoft.com
    login_host: str

    @property
    def api(self) -> str:
        """The v1.0 base every call starts from."""
        return f"{self.root}/v1.0"

    @property
    def host(self) -> str:
        """The host name the bearer token may be sent to."""
        return urlsplit(self.root).hostname or ""

    def same_origin(self, url: str) -> bool:
        """Whether ``url`` has this root's scheme, host and port: the only place a page link may lead."""
        return _origin(url) == _origin(self.root)

    @property
    def scope(self) -> str:
        """The application permission scope for this service root."""
        return f"{self.root}/.default"


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    except ValueError:  # a port that is no number, or out of range
        return None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def resolve_endpoint(cloud: str = "global", graph_url: str | None = None) -> GraphEndpoint:
    """The endpoint for ``cloud``, with ``graph_url`` overriding the service root."""
    if cloud not in CLOUDS:
        raise OptionError(f"unknown cloud {cloud!r}; choose one of: {', '.join(CLOUDS)}")
    root, login_host = CLOUDS[cloud]
    if graph_url:
        root = _check_graph_url(graph_url)
    return GraphEndpoint(root, login_host)


def _check_graph_url(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise OptionError(f"--graph-url {url!r} is not an http(s) URL such as https://graph.microsoft.com")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise OptionError(f"--graph-url {url!r}: plain http is allowed only for localhost; use https")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise OptionError("--graph-url must be a bare service root, without credentials, query or fragment")
    path = parts.path.rstrip("/")
    if path.endswith("/v1.0"):
        path = path[: -len("/v1.0")]
    return f"{parts.scheme}://{parts.netloc}{path}"
