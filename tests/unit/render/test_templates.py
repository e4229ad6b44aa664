"""Templates, assets and schemas reach the wheel, and render from a checkout as from an install."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest

from sspr_audit.render import templates
from tests.builders import CHECKOUT

DATA_SUFFIXES = (".json", ".toml")


def test_every_template_reads_the_same_from_the_package_and_from_the_checkout(monkeypatch):
    names = sorted(p.name for p in templates.CHECKOUT_FOLDER.iterdir() if p.suffix in (".j2", ".css", ".js"))
    assert {"report.html.j2", "report.css", "report.js", "diff.html.j2", "remediate.ps1.j2"} <= set(names)
    installed = {name: templates.text(name) for name in names}
    templates.folder.cache_clear()
    monkeypatch.setattr(templates, "PACKAGE", "sspr_audit.not_installed_here")  # as in a shadowing checkout
    try:
        assert templates.folder() == templates.CHECKOUT_FOLDER
        assert {name: templates.text(name) for name in names} == installed
    finally:
        templates.folder.cache_clear()


def test_templates_escape_html_and_refuse_unknown_names():
    from jinja2 import UndefinedError

    env = templates.environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(UndefinedError):
        env.from_string("{{ missing }}").render()
    assert templates.environment(autoescape=False).from_string("{{ x }}").render(x="<b>") == "<b>"


@pytest.mark.slow
def test_the_wheel_holds_every_subpackage_template_asset_and_schema(tmp_path):
    pytest.importorskip("build")
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(CHECKOUT / name, source / name)
    for folder in ("sspr_audit", "templates"):
        shutil.copytree(CHECKOUT / folder, source / folder, ignore=ignore)
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    wanted = {f"sspr_audit/templates/{p.name}" for p in (CHECKOUT / "templates").iterdir() if p.is_file()}
    for path in (CHECKOUT / "sspr_audit").rglob("*"):
        if path.name == "__init__.py" or path.suffix in DATA_SUFFIXES:
            wanted.add(path.relative_to(CHECKOUT).as_posix())
    assert sorted(wanted - inside) == []
