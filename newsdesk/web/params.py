"""Query parameters of the pages every editor and script reloads (the queue and its API), read
from the request by hand and validated as FastAPI would (the same pydantic types, the same 422).

FastAPI's dependency solving re-inspected each declared parameter and dependency on every
request: half of a kept queue page's CPU (49 % of it under cProfile, 2 processes at 50 clients),
more than reading the store's change counts, rendering the page and the session cookie together.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError

T = TypeVar("T")

DAY: TypeAdapter[date] = TypeAdapter(date)
LIMIT: TypeAdapter[int] = TypeAdapter(Annotated[int, Field(ge=1, le=500)])
CURSOR: TypeAdapter[str] = TypeAdapter(Annotated[str, Field(max_length=400)])


def text(request: Request, name: str) -> str | None:
    """A plain text parameter (the last given, as FastAPI reads one), None when absent."""
    return request.query_params.get(name)


def typed(
    request: Request, name: str, adapter: TypeAdapter[T], default: T | None = None
) -> T | None:
    """A parameter as ``adapter`` validates it; ``default`` when absent; a 422 when invalid."""
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        raise RequestValidationError(
            [error | {"loc": ("query", name, *error["loc"])} for error in exc.errors()]
        ) from None


def documented(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An OpenAPI query parameter, for a route that reads its parameters by hand."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        **({"description": description} if description else {}),
    }
