"""Checks request bodies and query parameters against Google's own Sheets v4 discovery document.

The document ships inside `google-api-python-client` (a test dependency), so a body our code
builds is held to the schema Google publishes, offline: an unknown field, a wrong type, an enum
value Google does not have, or a `Request` with no kind or two kinds fails here as it would at
Google, with a message shaped like Google's (`Invalid JSON payload received. Unknown name "foo"
at 'requests[0].add_sheet': Cannot find field.`). Field paths use snake_case, as Google's do.

Approximations: `null` is accepted anywhere (proto3 JSON reads it as "not set", and gspread
sends `"majorDimension": null`); read-only fields are not refused; the proto type names in
enum messages are not in the discovery document, so they read `(TYPE_ENUM)`.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
import re
from typing import Any

DISCOVERY = "discovery_cache/documents/sheets.v4.json"
_INT_RANGES = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
# Unions ("oneof") the discovery document only describes in prose: schema -> (name, members).
# A `Request` must set exactly one kind; the others at most one member.
_ONEOFS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "Request": ("kind", None),  # None: every property is a member
    "ExtendedValue": ("value", None),
    "UpdateCellsRequest": ("area", ("start", "range")),
}


class SchemaError(ValueError):
    """A body or query Google would refuse with 400 INVALID_ARGUMENT; `str()` is its message."""


@functools.cache
def discovery() -> dict[str, Any]:
    """The Sheets v4 discovery document of the installed google-api-python-client."""
    text = (importlib.resources.files("googleapiclient") / DISCOVERY).read_text(encoding="utf-8")
    return json.loads(text)


def method(method_id: str) -> dict[str, Any]:
    """A method by its id without the `sheets.` prefix, e.g. `spreadsheets.values.append`."""
    node: dict[str, Any] = discovery()
    *resources, name = method_id.split(".")
    for resource in resources:
        node = node["resources"][resource]
    return node["methods"][name]


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def validate_body(schema_name: str, body: Any) -> None:
    """Raise SchemaError if `body` does not fit the named schema (e.g. `ValueRange`)."""
    if not isinstance(body, dict):
        raise SchemaError(
            f"Invalid JSON payload received. Expected an object for {schema_name}, "
            f"got {_short(body)}."
        )
    _check_object(schema_name, body, "")


def validate_query(method_id: str, query: list[tuple[str, str]]) -> dict[str, Any]:
    """Check the query string against the method's parameters and the API's global ones;
    return the parameters typed (booleans as bool, repeated ones as lists).
    """
    spec = method(method_id)
    params = {**discovery()["parameters"], **spec.get("parameters", {})}
    result: dict[str, Any] = {}
    for name, raw in query:
        param = params.get(name)
        if param is None or param.get("location") == "path":
            raise SchemaError(
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                f"parameter. Field '{name}' could not be found in request message."
            )
        value: Any = raw
        if param.get("type") == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                raise SchemaError(f"Invalid value at '{snake(name)}' (TYPE_BOOL), \"{raw}\"")
            value = raw.lower() in ("true", "1")
        elif param.get("type") == "integer":
            try:
                value = int(raw)
            except ValueError:
                raise SchemaError(
                    f"Invalid value at '{snake(name)}' (TYPE_INT32), \"{raw}\""
                ) from None
        elif "enum" in param and raw not in param["enum"]:
            raise SchemaError(f"Invalid value at '{snake(name)}' (TYPE_ENUM), \"{raw}\"")
        if param.get("repeated"):
            result.setdefault(name, []).append(value)
        else:
            result[name] = value
    return result


def _check_object(schema_name: str, body: dict[str, Any], path: str) -> None:
    schema = discovery()["schemas"][schema_name]
    properties = schema.get("properties", {})
    for key, value in body.items():
        prop = properties.get(key)
        if prop is None:
            where = f" at '{path}'" if path else ""
            raise SchemaError(
                f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.'
            )
        _check_value(prop, value, _join(path, snake(key)))
    if schema_name in _ONEOFS:
        name, members = _ONEOFS[schema_name]
        chosen = [k for k, v in body.items() if v is not None and (members is None or k in members)]
        if len(chosen) > 1:
            raise SchemaError(
                f"Invalid JSON payload received. Oneof field '{name}' is already set. "
                f"Cannot set '{chosen[1]}'"
            )
        if schema_name == "Request" and not chosen:
            raise SchemaError(f"Invalid {path or 'request'}: No request set.")


def _check_value(prop: dict[str, Any], value: Any, path: str) -> None:
    if value is None:
        return
    if "$ref" in prop:
        if not isinstance(value, dict):
            raise SchemaError(
                f"Invalid value at '{path}' "
                f"(type.googleapis.com/google.apps.sheets.v4.{prop['$ref']}), {_short(value)}"
            )
        _check_object(prop["$ref"], value, path)
        return
    kind = prop.get("type")
    if kind == "any":
        return
    if kind == "string":
        if not isinstance(value, str):
            raise SchemaError(f"Invalid value at '{path}' (TYPE_STRING), {_short(value)}")
        if "enum" in prop and value not in prop["enum"]:
            raise SchemaError(f"Invalid value at '{path}' (TYPE_ENUM), \"{value}\"")
    elif kind == "integer":
        _check_integer(prop.get("format", "int32"), value, path)
    elif kind == "number":
        _check_number(prop.get("format", "double"), value, path)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise SchemaError(f"Invalid value at '{path}' (TYPE_BOOL), {_short(value)}")
    elif kind == "array":
        if not isinstance(value, list):
            raise SchemaError(f"Invalid value at '{path}' (repeated), {_short(value)}")
        for index, item in enumerate(value):
            _check_value(prop["items"], item, f"{path}[{index}]")
    elif kind == "object":
        if not isinstance(value, dict):
            raise SchemaError(f"Invalid value at '{path}' (map), {_short(value)}")
        if "additionalProperties" in prop:
            for key, item in value.items():
                _check_value(prop["additionalProperties"], item, f"{path}[{key}]")


def _check_integer(fmt: str, value: Any, path: str) -> None:
    number: Any = value
    if (isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip())) or (
        isinstance(value, float) and value.is_integer()
    ):
        number = int(value)
    low, high = _INT_RANGES.get(fmt, _INT_RANGES["int64"])
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        raise SchemaError(f"Invalid value at '{path}' (TYPE_{fmt.upper()}), {_short(value)}")


def _check_number(fmt: str, value: Any, path: str) -> None:
    if isinstance(value, bool):
        raise SchemaError(f"Invalid value at '{path}' (TYPE_{fmt.upper()}), {_short(value)}")
    if isinstance(value, int | float):
        return
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return
        try:
            if math.isfinite(float(value)):
                return
        except ValueError:
            pass
    raise SchemaError(f"Invalid value at '{path}' (TYPE_{fmt.upper()}), {_short(value)}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
