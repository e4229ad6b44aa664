"""One object for the values many Graph items hold alike, taken as each page arrives.

The registration report repeats a few dozen method lists and update times
over a million rows: parsed JSON gives each its own copy until the snapshot
is built. Sharing them keeps what the collection holds close to what it must
hold. The items are only read afterwards, never changed, so sharing changes
no value.
"""

from __future__ import annotations

from typing import Any

_ROW_TEXTS = ("lastUpdatedDateTime",)


class Alike:
    """The values seen so far, by value."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def rows(self, page: list[Any]) -> list[Any]:
        """A page of registration-report rows, their repeated values shared."""
        for row in page:
            if isinstance(row, dict):
                self._texts(row, _ROW_TEXTS)
                names = row.get("methodsRegistered")
                if isinstance(names, list) and all(isinstance(n, str) for n in names):
                    row["methodsRegistered"] = self._seen.setdefault(("methods", *names), names)
        return page

    def _texts(self, item: dict[str, Any], keys: tuple[str, ...]) -> None:
        for key in keys:
            value = item.get(key)
            if isinstance(value, str):
                item[key] = self._seen.setdefault(value, value)
