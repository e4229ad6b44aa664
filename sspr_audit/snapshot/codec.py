"""Read and write snapshot files (JSON, gzip when the name ends in ``.gz``).

The JSON form mirrors :mod:`sspr_audit.snapshot.models` field for field (snake_case
keys). Loading checks every value against the dataclass field types and names
the first problem with its place (``users[12].methods[0].type``), so a
hand-edited or truncated file gives one clear line, never a traceback.
"""

from __future__ import annotations

import dataclasses
import gzip
import itertools
import json
import types
import typing
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from enum import Enum
from functools import cache
from pathlib import Path
from typing import IO, Any

from sspr_audit.errors import SnapshotError
from sspr_audit.files import atomic_writer
from sspr_audit.snapshot.models import (
    SCHEMA_VERSION,
    AuthMethod,
    CollectionStatus,
    MethodTarget,
    RegistrationDetails,
    ResetAttempt,
    RoleAssignment,
    Snapshot,
    Tenant,
    User,
)
from sspr_audit.snapshot.stream import NotAnObject, Scanner, text_chunks
from sspr_audit.text import SHOWN_CHARS, clean_json_text, encode, shorten

_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names in order; None for any other class."""
    return tuple(f.name for f in _fields(cls)) if dataclasses.is_dataclass(cls) else None


def to_dict(obj: Any) -> Any:
    """A dataclass tree as plain JSON-ready values (tuples become lists)."""
    cls = obj.__class__
    if cls in _SCALARS:
        return obj
    names = _FIELD_NAMES.get(cls, ())
    if names == ():
        names = _FIELD_NAMES[cls] = _field_names(cls)
    if names is not None:
        return {name: to_dict(getattr(obj, name)) for name in names}
    if cls is tuple or cls is list:
        return [to_dict(item) for item in obj]
    if isinstance(obj, Enum):
        return obj.value
    return obj


def dumps(snapshot: Snapshot) -> str:
    """The snapshot as compact JSON text."""
    return json.dumps(to_dict(snapshot), ensure_ascii=False, separators=(",", ":"))


def write(snapshot: Snapshot, path: Path) -> Path:
    """Write ``snapshot`` atomically (owner-only); gzip when ``path`` ends in ``.gz``.

    The bytes are exactly those of :func:`dumps`, written as :func:`write_streamed` writes them.
    """
    return write_streamed(snapshot.tenant, snapshot.users, path, snapshot.generator, snapshot.schema_version)


def write_streamed(
    tenant: Tenant, users: Iterable[User], path: Path, generator: str, schema_version: int = SCHEMA_VERSION
) -> Path:
    """Write the snapshot of ``tenant`` and ``users`` atomically (owner-only); gzip when ``path`` ends in ``.gz``.

    Streamed a few hundred users at a time, taken from ``users`` as they are written: a collector can hand
    over users it builds one by one, so a million-user tenant never exists as one model, dict tree or string.
    """
    path = Path(path)
    with atomic_writer(path) as handle:
        sink = (
            gzip.GzipFile(filename="", mode="wb", fileobj=handle, compresslevel=6, mtime=0)
            if path.name.endswith(".gz")
            else handle
        )
        try:
            for chunk in _chunks(tenant, users, generator, schema_version):
                sink.write(encode(chunk))  # a lone surrogate cannot be UTF-8: written as U+FFFD
        finally:
            if sink is not handle:
                sink.close()
    return path


_USERS_PER_CHUNK = 500


def _chunks(tenant: Tenant, users: Iterable[User], generator: str, schema_version: int) -> Iterator[str]:
    """The text of :func:`dumps`, in pieces of a few hundred users."""

    def encode(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    yield '{"tenant":' + encode(to_dict(tenant)) + ',"users":['
    users = iter(users)
    first = True
    while part := ",".join(encode(to_dict(u)) for u in itertools.islice(users, _USERS_PER_CHUNK)):
        yield ("" if first else ",") + part
        first = False
    yield '],"schema_version":' + encode(schema_version) + ',"generator":' + encode(generator) + "}"


def read(path: Path) -> Snapshot:
    """Load and check a snapshot file; any problem raises :class:`SnapshotError`.

    Streamed: each user becomes a :class:`~sspr_audit.snapshot.models.User` as
    soon as it is parsed, so the file's text, its JSON tree and the model never
    exist whole at once.
    """
    path = Path(path)
    users = _Users()
    try:
        with path.open("rb") as handle:
            try:
                data = _top(Scanner(text_chunks(path, handle)).members(), users)
            except NotAnObject:
                handle.seek(0)
                text = "".join(text_chunks(path, handle))
                data = clean_json_text(text, 0, len(text), json.loads(text))
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such snapshot file") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise SnapshotError(f"{path}: cannot read the file ({exc}); collect again") from None
    except UnicodeDecodeError:
        raise SnapshotError(f"{path}: not UTF-8 JSON; is this a snapshot file?") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg});"
            " the file may be truncated: collect again or resume the collection"
        ) from None
    except RecursionError:
        raise SnapshotError(f"{path}: JSON nested too deeply for a snapshot; is this a snapshot file?") from None
    except ValueError:  # json's limit on the digits of an integer
        raise SnapshotError(f"{path}: holds a number thousands of digits long; is this a snapshot file?") from None
    if isinstance(data, dict) and data.get("users") is _STREAMED:
        return from_dict(data, source=str(path), given={"users": users.result})
    return from_dict(data, source=str(path))


_STREAMED = object()  # what the top-level object holds in place of the users array decoded as it was read


def _top(members: Iterator[tuple[str, Any]], users: _Users) -> dict[str, Any]:
    """The top-level object, with the ``users`` array decoded as it streams in (kept as :data:`_STREAMED`)."""
    data: dict[str, Any] = {}
    for key, value in members:
        if key == "users" and isinstance(value, Iterator):
            for index, element in enumerate(value):
                users.add(index, element)
            value = _STREAMED
        data[key] = value
    return data


class Unstreamable(Exception):
    """The file cannot be taken user by user: read it whole with :func:`read`, which names any problem in it."""


def stream_users(path: Path) -> tuple[Snapshot, Iterator[User]]:
    """The snapshot with no users, and an iterator of its users, each decoded as the file is read.

    For a caller that lets each user go once used, so a million users never exist at once. Only a current
    snapshot laid out as :func:`write` writes it streams: for anything else, and for any problem in the file,
    :class:`Unstreamable` is raised, at once or from the iterator. The schema version comes after the users,
    so the iterator checks the rest of the file after the last user; a caller must not act on what it took
    from the iterator until the iterator is done, and on :class:`Unstreamable` reads the file with :func:`read`.
    """
    path = Path(path)
    with _unstreamable():
        handle = path.open("rb")
    try:
        with _unstreamable():
            members = Scanner(text_chunks(path, handle)).members()
            key, tenant_data = next(members, ("", None))
            if key != "tenant":
                raise Unstreamable
            tenant = _decode(Tenant, tenant_data, "tenant", _Memo())
            key, elements = next(members, ("", None))
            if key != "users" or not isinstance(elements, Iterator):
                raise Unstreamable
    except BaseException:
        handle.close()
        raise
    return Snapshot(tenant, ()), _users_then_rest(handle, tenant, elements, members)


def _users_then_rest(
    handle: IO[bytes], tenant: Tenant, elements: Iterator[Any], members: Iterator[tuple[str, Any]]
) -> Iterator[User]:
    """Each user as decoded, then the check of the members after them: a current snapshot, or :class:`Unstreamable`."""
    with handle, _unstreamable():
        memo = _Memo()
        for index, element in enumerate(elements):
            memo.own.clear()
            yield _decode(User, element, f"users[{index}]", memo)
        rest = dict(members)
        if rest.get("schema_version") == 1 or not rest.keys().isdisjoint(("tenant", "users")):
            raise Unstreamable  # a version-1 tenant is migrated; a repeated member replaces the first
        from_dict(rest, given={"tenant": lambda: tenant, "users": tuple})


@contextmanager
def _unstreamable() -> Iterator[None]:
    """Whatever :func:`read` turns into a message, raised as :class:`Unstreamable`."""
    try:
        yield
    except (OSError, EOFError, zlib.error, ValueError, RecursionError, SnapshotError, _Problem, NotAnObject):
        raise Unstreamable from None


class _Users:
    """The ``users`` array as it streams in: users decoded one by one, or the first problem among them."""

    def __init__(self) -> None:
        self._users: list[User] = []
        self._problem: _Problem | None = None
        self._memo = _Memo()

    def add(self, index: int, value: Any) -> None:
        if self._problem is None:  # after a problem the rest is only parsed: a syntax error still comes first
            self._memo.own.clear()
            try:
                self._users.append(_decode(User, value, f"users[{index}]", self._memo))
            except _Problem as problem:
                self._problem, self._users = problem, []

    def result(self) -> tuple[User, ...]:
        self._memo = _Memo()
        if self._problem is not None:
            raise self._problem
        return tuple(self._users)


_REPORT_KEYS = frozenset({"generator", "summary", "rules", "findings"})  # what the JSON report has at the top


def from_dict(data: Any, source: str = "<snapshot>", given: Mapping[str, Callable[[], Any]] = {}) -> Snapshot:
    """Build a :class:`Snapshot` from parsed JSON, checking every field.

    ``given`` maps a top-level member to what returns it already decoded (the
    users decoded from a stream, or the first problem found among them),
    used in place of ``data``'s.
    """
    if not isinstance(data, dict):
        raise SnapshotError(f"{source}: expected a JSON object at the top, got {_kind(data)}")
    if data.keys() >= _REPORT_KEYS:
        raise SnapshotError(
            f"{source}: this is an sspr-audit report, not a snapshot; pass the snapshot the run wrote"
            " (*snapshot*.json.gz in the same folder, printed as 'Snapshot:' by collect and run)"
        )
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SnapshotError(f"{source}: schema_version is missing or not a number; is this a snapshot file?")
    if version > SCHEMA_VERSION:
        raise SnapshotError(
            f"{source}: schema_version {version} is newer than this sspr-audit understands"
            f" ({SCHEMA_VERSION}); upgrade sspr-audit"
        )
    if version < 1:
        raise SnapshotError(f"{source}: schema_version {version} is not a valid version")
    if version == 1:
        data = _from_version_1(data)
    elif version < SCHEMA_VERSION:  # version 2 lacks only optional fields (events, scope hygiene): "not read"
        data = {**data, "schema_version": SCHEMA_VERSION}
    try:
        return _decode_dataclass(Snapshot, data, "", _Memo(), given)
    except _Problem as problem:
        raise SnapshotError(f"{source}: {problem.place or 'top level'}: {problem.text}") from None


def _from_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """A version-1 snapshot in today's shape: its method configurations' targets were not read (``None``).

    Version 1 kept only whether ``includeTargets`` named all users, and never the
    excluded groups, so per-user targeting stays unknown rather than guessed.
    Anything not shaped as expected is left for the checks to name.
    """
    data = {**data, "schema_version": SCHEMA_VERSION}
    tenant = data.get("tenant")
    if not isinstance(tenant, dict) or not isinstance(tenant.get("settings"), dict):
        return data
    settings = tenant["settings"]
    configs = settings.get("method_configurations")
    if isinstance(configs, list):
        unread = {"include_targets": None, "exclude_targets": None}
        migrated = [
            {**{k: v for k, v in c.items() if k != "include_all_users"}, **unread} if isinstance(c, dict) else c
            for c in configs
        ]
        data["tenant"] = {**tenant, "settings": {**settings, "method_configurations": migrated}}
    return data


class _Problem(Exception):
    def __init__(self, place: str, text: str) -> None:
        super().__init__(text)
        self.place = place
        self.text = text


@cache
def _fields(cls: type) -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(cls)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


# Values many users hold alike: one object each, not one per user (a million-user snapshot stays small in memory).
_SHARED_FIELDS = {
    User: frozenset(
        {
            "display_name",  # people share names; a manager's name is also their own
            "user_type",
            "department",
            "job_title",
            "manager_id",
            "manager_name",
            "usage_location",
            "country",
            "groups",
            "business_phones",  # a switchboard number on thousands of users
            "assigned_licenses",  # a few licence bundles
            "mailbox_purpose",
        }
    ),
    AuthMethod: frozenset({"type", "odata_type", "phone_type", "display_name"}),
    RegistrationDetails: frozenset({"methods_registered", "last_updated"}),
    ResetAttempt: frozenset({"outcome", "method", "step"}),
}
_SHARED_CLASSES = frozenset({RegistrationDetails, CollectionStatus, RoleAssignment, MethodTarget})
# Graph gives every user's password, email and phone methods the same few ids: each such id is one object, and
# so is each such method with no address or number of its own (every user's password method).
_FIXED_ID_METHODS = frozenset({"password", "email", "phone"})
# Values one user holds in several places: the UPN that is also the mail, the mail or mobile number that is also
# a method's address or number.
_OWN_FIELDS = {
    User: ("user_principal_name", "mail", "mobile_phone"),
    AuthMethod: ("email_address", "phone_number"),
}


class _Memo:
    """The values shared so far: ``alike`` across users, ``own`` within the user being decoded."""

    def __init__(self) -> None:
        self.alike: dict[Any, Any] = {}
        self.own: dict[Any, Any] = {}


def _decode(tp: Any, value: Any, place: str, memo: _Memo) -> Any:
    """``value`` checked and built as ``tp``; ``memo`` holds the values shared so far."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None:
            if type(None) in options:
                return None
            raise _Problem(place, "must not be null")
        inner = [o for o in options if o is not type(None)]
        return _decode(inner[0], value, place, memo)
    if value is None:
        raise _Problem(place, f"must not be null (expected {_name(tp)})")
    if origin is tuple:
        if not isinstance(value, list):
            raise _Problem(place, f"expected a list, got {_kind(value)}")
        item_tp = typing.get_args(tp)[0]
        return tuple(_decode(item_tp, item, f"{place}[{i}]", memo) for i, item in enumerate(value))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, value, place, memo)
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(m.value for m in tp)
            raise _Problem(place, f"{shorten(value)} is not one of: {allowed}") from None
    if tp is bool:
        if not isinstance(value, bool):
            raise _Problem(place, f"expected true or false, got {_kind(value)}")
        return value
    if tp is int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _Problem(place, f"expected a whole number, got {_kind(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise _Problem(place, f"expected a string, got {_kind(value)}")
        return value
    raise _Problem(place, f"unsupported type {tp!r}")  # pragma: no cover - model bug


def _decode_dataclass(
    cls: type, value: Any, place: str, memo: _Memo, given: Mapping[str, Callable[[], Any]] = {}
) -> Any:
    if not isinstance(value, dict):
        raise _Problem(place, f"expected an object, got {_kind(value)}")
    hints = _hints(cls)
    known = {f.name for f in _fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise _Problem(_join(place, _shown(unknown[0])), f"unknown field (allowed: {', '.join(sorted(known))})")
    kwargs = {}
    for f in _fields(cls):
        if f.name in given:
            kwargs[f.name] = given[f.name]()
        elif f.name in value:
            kwargs[f.name] = _decode(hints[f.name], value[f.name], _join(place, f.name), memo)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _Problem(_join(place, f.name), "required field is missing")
    alike, own = memo.alike, memo.own
    for name in _SHARED_FIELDS.get(cls, ()):
        if kwargs.get(name) is not None:
            kwargs[name] = alike.setdefault(kwargs[name], kwargs[name])
    for name in _OWN_FIELDS.get(cls, ()):
        if kwargs.get(name) is not None:
            kwargs[name] = own.setdefault(kwargs[name], kwargs[name])
    bare_method = False
    if cls is AuthMethod and kwargs["type"] in _FIXED_ID_METHODS:
        kwargs["id"] = alike.setdefault(kwargs["id"], kwargs["id"])
        bare_method = kwargs.get("phone_number") is None and kwargs.get("email_address") is None
    made = cls(**kwargs)
    return alike.setdefault(made, made) if bare_method or cls in _SHARED_CLASSES else made


def _join(place: str, name: str) -> str:
    return f"{place}.{name}" if place else name


def _shown(name: str) -> str:
    """A field name as written, quoted when it is empty or holds a line break or other unprintable character."""
    return name if name and name.isprintable() and len(name) <= SHOWN_CHARS else shorten(name)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))
