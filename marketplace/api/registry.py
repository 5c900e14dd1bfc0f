"""One registry of the API's operations. Each declares its path, parameters and response schema; the route, the
parameter checking, the OpenAPI document and the human documentation page are all made from that declaration,
so they cannot disagree."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Blueprint, abort, request

from . import http

OPERATIONS: list["Operation"] = []
SCHEMAS: dict[str, dict] = {}  # components/schemas of the OpenAPI document


def schema(name: str, definition: dict) -> dict:
    """Register a named response schema; returns a reference to it."""
    SCHEMAS[name] = definition
    return ref(name)


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass
class Param:
    name: str
    schema: dict
    description: str
    location: str = "query"
    required: bool = False

    def __post_init__(self):
        # Ids are INTEGER columns: a larger number matches nothing, and PostgreSQL refuses to compare with it.
        if self.schema.get("type") == "integer" and "maximum" not in self.schema:
            self.schema = {**self.schema, "maximum": 2**31 - 1}

    def parse(self, raw: str):
        """The value, or a ValueError whose text says what is wrong (shown in the 400 answer)."""
        kind, fmt = self.schema.get("type"), self.schema.get("format")
        if kind == "integer":
            value = int(raw)
            if value < self.schema.get("minimum", value) or value > self.schema.get("maximum", value):
                raise ValueError(f"{self.name} out of range")
            return value
        if len(raw) > self.schema.get("maxLength", 200):
            raise ValueError(f"{self.name} too long")
        if "enum" in self.schema and raw not in self.schema["enum"]:
            raise ValueError(f"{self.name} must be one of {', '.join(self.schema['enum'])}")
        if "pattern" in self.schema and not re.search(self.schema["pattern"], raw):
            raise ValueError(f"{self.name} does not match {self.schema['pattern']}")
        if fmt == "date":
            return date.fromisoformat(raw)
        if fmt == "date-time":
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if value.tzinfo is None:
                raise ValueError(f"{self.name} needs a time zone (e.g. Z or +08:00)")
            return value
        return raw


@dataclass
class Operation:
    path: str           # OpenAPI form: /v1/tenders/{id}
    endpoint: str
    summary: str        # Chinese: the documentation page shows it
    tag: str
    response: dict
    params: list[Param] = field(default_factory=list)
    example: str | None = None
    media_type: str = "application/json"
    cursor: bool = False

    @property
    def rule(self) -> str:
        # Path values are matched as text and checked here, so "/tenders/-1" gets this API's JSON 404 rather
        # than the site's page-not-found answer.
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


LIMIT = Param("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "每页条数（1–100，默认 20）")
CURSOR = Param("cursor", {"type": "string", "maxLength": 200}, "上一页返回的 next_cursor，原样传回")


def operation(bp: Blueprint, path: str, *, summary: str, tag: str, response: dict, params=(), example=None,
              cursor: bool = False, media_type: str = "application/json"):
    """Declare a GET operation and register its route on `bp`. The view receives the checked query values as
    `args` and the path values as keyword arguments, and returns a JSON-able payload (or a Response)."""
    params = list(params) + ([LIMIT, CURSOR] if cursor else [])

    def decorator(view):
        op = Operation(path, view.__name__, summary, tag, response, params, example, media_type, cursor)
        OPERATIONS.append(op)

        def handle(**path_values):
            for param in op.params:
                if param.location == "path":
                    try:
                        path_values[param.name] = param.parse(path_values[param.name])
                    except ValueError:
                        abort(http.error_response(404, "not found"))
            args = {}
            for param in op.params:
                if param.location != "query":
                    continue
                raw = request.args.get(param.name, "")
                if raw == "":
                    args[param.name] = param.schema.get("default")
                    continue
                try:
                    args[param.name] = param.parse(raw)
                except ValueError as error:
                    abort(http.bad_request(f"invalid {param.name}: {error}"))
            payload = view(args, **path_values)
            return payload if not isinstance(payload, dict | list) else http.json_response(payload)

        handle.__name__ = view.__name__
        bp.add_url_rule("/api" + op.rule, endpoint=view.__name__, view_func=handle, methods=["GET"])
        return view

    return decorator
