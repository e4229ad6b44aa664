"""The templates and inline assets, and the one Jinja2 set-up that renders them.

``templates/`` sits at the top of the repository and ships in the wheel as the
package ``sspr_audit.templates``. Run from a checkout, the checkout's
``sspr_audit`` shadows any installed copy and has no such subpackage, so the
files are then read from the ``templates/`` folder beside it. Either way the
same bytes are rendered.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment, Template

PACKAGE = "sspr_audit.templates"
CHECKOUT_FOLDER = Path(__file__).resolve().parents[2] / "templates"


@cache
def folder() -> Traversable:
    """Where the templates are: the installed package, else the checkout's top-level folder."""
    try:
        return resources.files(PACKAGE)
    except ModuleNotFoundError:
        return CHECKOUT_FOLDER


def text(name: str) -> str:
    """The text of template or asset ``name`` (``report.css``, ``report.html.j2``)."""
    return folder().joinpath(name).read_text(encoding="utf-8")


def environment(*, autoescape: bool = True, finalize: Callable[[Any], Any] | None = None) -> Environment:
    """A Jinja2 environment over these templates.

    A name missing from the context is an error, never a blank (``StrictUndefined``).
    Escaping is on for HTML; the PowerShell script turns it off and passes a
    ``finalize`` that refuses any value not quoted for PowerShell.
    """
    from jinja2 import Environment, FunctionLoader, StrictUndefined

    env = Environment(
        loader=FunctionLoader(text),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=finalize,
    )
    env.filters["num"] = lambda n: f"{n:,}"
    env.filters["pct"] = lambda p: "n/a" if p is None else f"{p:.1f}%"
    return env


def template(name: str, *, autoescape: bool = True, finalize: Callable[[Any], Any] | None = None) -> Template:
    """Template ``name`` in an :func:`environment` made with these options."""
    return environment(autoescape=autoescape, finalize=finalize).get_template(name)
