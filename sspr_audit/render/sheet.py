"""A write-only worksheet that is safe, readable and printable, shared by every workbook sspr-audit writes.

Directory data is never trusted as a formula: a string that openpyxl would
read as a formula or an error value is forced to the string type, so a display
name such as ``=HYPERLINK(...)`` is shown as text, not evaluated. A hyperlink
(:class:`Link`) is a cell attribute, not a formula, and only ever points at a
file sspr-audit wrote.

Every style names its font (LibreOffice falls back to a serif face for a style
without one) and is a named style registered once per workbook: assigning a
style object to each cell makes openpyxl hash it every time, which cost more
than writing the cell. Every sheet prints landscape, one page wide, with its
header repeated on each page; text longer than a wide column wraps.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sspr_audit.audit.results import Readiness, Severity
from sspr_audit.files import atomic_writer
from sspr_audit.render.summary import SEVERITY_LABELS, STATUS_LABELS
from sspr_audit.text import xml_writable

EXCEL_CELL_LIMIT = 32_767
TRUNCATED = " … [truncated: see the JSON report]"
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
PERCENT_FORMAT = "0.0%"
NO_SHARE = "n/a (nobody in scope)"
FONT = "Calibri"
WRAP_WIDTH = 40  # columns at least this wide wrap the text that does not fit them
MAX_FIT_WIDTH = 100

SEVERITY_FILLS = {"critical": "FF9B9B", "high": "FFC7CE", "medium": "FFEB9C", "low": "DDEBF7", "info": "EDEDED"}
STATUS_FILLS = {
    "ready": "C6EFCE",
    "ready_unverified": "E2EFDA",
    "at_risk": "FFEB9C",
    "not_ready": "FFC7CE",
    "unknown": "D9D2E9",
    "excluded": "EDEDED",
    "out_of_scope": "EDEDED",
    "set_aside": "EDEDED",
}
HEADER_FILL = "1F3864"
LINK_COLOUR = "0563C1"
_NOT_PLAIN_TEXT = frozenset("=#")


@dataclass(frozen=True, slots=True)
class Percent:
    """A share in percent (``67.5``), written as a percentage cell; ``None`` when nobody is counted."""

    value: float | None


@dataclass(frozen=True, slots=True)
class Link:
    """A text cell that opens ``target``, a path relative to the workbook."""

    text: str
    target: str


def label(value: str) -> str:
    """An enum id as words: ``not_attempted`` -> ``Not attempted``."""
    return value.replace("_", " ").capitalize()


class Sheet:
    """A write-only sheet with a styled, frozen, filtered header, page setup and safe cells."""

    def __init__(self, wb: Any, title: str, columns: Sequence[tuple[str, int]], *, as_text: bool = False) -> None:
        self.ws = wb.create_sheet(title)
        self.columns = list(columns)
        self.as_text = as_text  # every string cell formatted as Text, so Excel never turns it into a number
        self.rows = 0
        self._wrap: list[tuple[int, int]] = []
        self._styles: dict[str, _SharedStyle] = {}
        self.ws._values_to_row = partial(_row_cells, self.ws)  # see _row_cells
        _page_setup(self.ws)

    def fit(self, rows: Sequence[Sequence[Any]]) -> None:
        """Widen columns to their longest text in ``rows`` (up to a limit); call before the first append."""
        for i, (name, width) in enumerate(self.columns):
            longest = max((len(_text_of(r[i])) for r in rows if i < len(r)), default=0)
            self.columns[i] = (name, max(width, min(longest + 2, MAX_FIT_WIDTH)))

    def append(self, values: Sequence[Any]) -> None:
        if self.rows == 0:
            self._header()
        row = [self.cell(v) for v in values]
        for i, width in self._wrap:
            if i < len(row) and type(row[i]) is str and len(row[i]) > width:
                row[i] = self.styled(row[i], "wrap")
        self.ws.append(row)
        self.rows += 1

    def close(self) -> None:
        if self.rows == 0:
            self._header()
        self.ws.auto_filter.ref = f"A1:{self._last_column}{self.rows}"

    def cell(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if type(value) is str:  # the common case first: most cells are plain text
            value = safe_text(value)
            if self.as_text:
                return self.styled(value, "text")
            # openpyxl reads a plain string as a formula when it starts with "=" and as an error
            # value when it is "#N/A" and the like; only those need a cell forced to text.
            return self.text(value) if value[:1] in _NOT_PLAIN_TEXT else value
        if isinstance(value, Cell):
            return value
        if isinstance(value, str):
            return self.cell(str(value))
        if isinstance(value, bool):
            return self.text("yes" if value else "no")
        if isinstance(value, datetime):
            return self.number(value, DATE_FORMAT)
        if isinstance(value, Percent):
            return self.text(NO_SHARE) if value.value is None else self.number(value.value / 100, PERCENT_FORMAT)
        if isinstance(value, Link):
            cell = self.styled(value.text, "link")
            cell.hyperlink = value.target
            return cell
        return value

    def number(self, value: float | datetime, number_format: str) -> Any:
        """A number or date cell shown with ``number_format``."""
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = number_format
        return cell

    def text(self, value: str) -> Any:
        """A string cell that Excel can never read as a formula."""
        cell = WriteOnlyCell(self.ws, value=safe_text(value))
        cell.data_type = "s"
        return cell

    def styled(self, value: str, style: str) -> Any:
        """A text cell in one of the workbook's named styles (``header``, ``wrap``, ``text``, ``link``, ``fill …``)."""
        shared = self._styles.get(style)
        if shared is None:
            shared = self._styles[style] = self._register(style)
        return _StyledText(self.ws, safe_text(value), shared)

    def _register(self, style: str) -> _SharedStyle:
        """Named style ``style``'s index array, as ``cell.style = name`` sets it; registered once per workbook."""
        name = f"sspr-audit {style}"
        workbook = self.ws.parent
        if name not in workbook.named_styles:
            workbook.add_named_style(_make_style(name, style))
        cell: Any = WriteOnlyCell(self.ws)
        cell.style = name
        return _SharedStyle(copy(cell._style))

    def status(self, status: Readiness | str) -> Any:
        """A readiness status in words, on the colour of that status."""
        known = status in STATUS_FILLS
        return self._filled(STATUS_LABELS[Readiness(status)] if known else str(status), STATUS_FILLS.get(status))

    def severity(self, severity: Severity) -> Any:
        """A severity in words, on the colour of that severity."""
        return self._filled(SEVERITY_LABELS[severity], SEVERITY_FILLS.get(severity))

    def _filled(self, text: str, colour: str | None) -> Any:
        return self.styled(text, f"fill {colour}") if colour else self.text(text)

    def _header(self) -> None:
        from openpyxl.utils import get_column_letter

        self._last_column = get_column_letter(len(self.columns))
        for i, (_, width) in enumerate(self.columns, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self._wrap = [(i, width) for i, (_, width) in enumerate(self.columns) if width >= WRAP_WIDTH]
        self.ws.freeze_panes = "A2"
        self.ws.append([self.styled(name, "header") for name, _ in self.columns])
        self.rows = 1


class _SharedStyle:
    """A named style's index array, shared by every cell in it, and its id once the first such cell is written."""

    __slots__ = ("array", "id")

    def __init__(self, array: Any) -> None:
        self.array = array
        self.id: int | None = None


class _StyledText(Cell):
    """A text cell whose value is already safe, in a style shared by every such cell.

    Built without openpyxl's type inference and string checks (``safe_text``
    has done them), and its style id looked up once per style: a styled cell is
    a fresh object per cell, and those steps cost more than writing it. A
    write-only cell is never changed once written, so sharing is safe.
    """

    __slots__ = ("_shared",)

    def __init__(self, ws: Any, value: str, shared: _SharedStyle) -> None:  # skips Cell.__init__ on purpose
        self.parent = ws
        self._style = shared.array
        self._shared = shared
        self.row = 1
        self.column = 1
        self._value = value
        self.data_type = "s"
        self._hyperlink = None
        self._comment = None

    @property
    def style_id(self) -> int:
        """The style's index in the workbook, taken when its first cell is written (so ids keep their order)."""
        shared = self._shared
        if shared.id is None:
            workbook: Any = self.parent.parent
            shared.id = workbook._cell_styles.add(self._style)
        return shared.id

    def __repr__(self) -> str:
        return f"<text cell {self.row},{self.column}>"


def _row_cells(ws: Any, values: Sequence[Any], row_idx: int) -> Iterator[Any]:
    """What openpyxl's write-only sheet does with an appended row (``_values_to_row``), without its exception per
    ready-made cell: a value goes through one reused cell, a cell of ours is placed as it is.

    A string here has been through :meth:`Sheet.cell` (made safe, and sent to a text cell when it would read as a
    formula or an error), so openpyxl's own string checks, which would only repeat that, are skipped.
    """
    scratch: Any = WriteOnlyCell(ws)
    for column, value in enumerate(values, 1):
        if value is None:
            continue
        if isinstance(value, Cell):
            cell = value
        else:
            if scratch.has_style:  # binding a date gives the reused cell a number format
                scratch = WriteOnlyCell(ws)
            if type(value) is str and value[:1] not in _NOT_PLAIN_TEXT:
                scratch._value = value
                scratch.data_type = "s"
            else:
                scratch.value = value
            cell = scratch
        cell.column = column
        cell.row = row_idx
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        yield cell


def _page_setup(ws: Any) -> None:
    """Landscape, one page wide and as many pages long as needed, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _make_style(name: str, style: str) -> Any:
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill

    named = NamedStyle(name=name, font=Font(name=FONT, size=11))
    if style == "header":
        named.font = Font(name=FONT, size=11, bold=True, color="FFFFFF")
        named.fill = PatternFill("solid", fgColor=HEADER_FILL)
    elif style == "wrap":
        named.alignment = Alignment(wrap_text=True, vertical="top")
    elif style == "text":
        named.number_format = "@"
    elif style == "link":
        named.font = Font(name=FONT, size=11, color=LINK_COLOUR, underline="single")
    elif style.startswith("fill "):
        named.fill = PatternFill("solid", fgColor=style.removeprefix("fill "))
    else:
        raise ValueError(f"no workbook style {style!r}")
    return named


def _text_of(value: Any) -> str:
    if isinstance(value, Cell):
        value = value.value
    return "" if value is None or isinstance(value, datetime | Percent) else str(value)


def safe_text(value: str) -> str:
    """``value`` without characters XML forbids, cut to Excel's cell limit with a visible marker."""
    if not value.isprintable():  # printable text holds no control character: skip the regex
        value = xml_writable(ILLEGAL_CHARACTERS_RE.sub("", value))
    if len(value) > EXCEL_CELL_LIMIT:
        value = value[: EXCEL_CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
    return value


def excel_datetime(iso: str) -> datetime | str:
    """An ISO 8601 timestamp as a naive UTC datetime (Excel has no time zones); text when unparseable."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def workbook(title: str, generated_at: str) -> Any:
    """A write-only workbook with its document properties set."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "sspr-audit"
    wb.properties.title = safe_text(title)
    created = excel_datetime(generated_at)
    if isinstance(created, datetime):
        wb.properties.created = created
    return wb


def save(wb: Any, path: Path) -> None:
    """Write ``wb`` to ``path`` atomically (owner-only)."""
    with atomic_writer(path, "wb") as out:
        wb.save(out)


def abandon(wb: Any) -> None:
    """Close the sheets of a workbook that will not be saved, so none is left writing to a closed file."""
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            ws.close()
