"""What the published OpenAPI schema says about JSON request bodies and refusals, so it matches what is answered."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body

from survey.errors import ErrorBody

# Refusals any operation reading a JSON body can meet before its handler runs.
BODY_REFUSALS = {
    400: "The body is not JSON or does not match the schema; `errors` gives a message per field.",
    413: "The body is larger than the server accepts.",
}


def json_body(struct: type[msgspec.Struct]) -> Any:
    """``struct`` as a request body whose schema refuses unknown fields exactly when msgspec does.

    litestar documents every Struct as an open object, so a body decoded with ``forbid_unknown_fields`` would
    be published as accepting the fields it refuses.
    """
    if struct.__struct_config__.forbid_unknown_fields:
        return Annotated[struct, Body(schema_extra={"additionalProperties": False})]
    return struct


# Refusals of every officer page or download, before its handler runs (``text/html`` clients get a page).
OFFICER_REFUSALS = {
    400: "A path or query parameter is not valid.",
    401: "Not logged in.",
    403: "The officer's role or unit scope does not cover this, or the form's CSRF token is missing or wrong.",
}


def refusals(described: dict[int, str]) -> dict[int, ResponseSpec]:
    """The ``responses`` of an operation reading a JSON body: its own refusals and the body's, as ``ErrorBody``."""
    return _error_specs({**BODY_REFUSALS, **described})


def officer_refusals(described: dict[int, str]) -> dict[int, ResponseSpec]:
    """The ``responses`` of an officer operation: its own refusals and every officer operation's."""
    return _error_specs({**OFFICER_REFUSALS, **described})


def _error_specs(described: dict[int, str]) -> dict[int, ResponseSpec]:
    return {status: ResponseSpec(ErrorBody, description=description, generate_examples=False)
            for status, description in sorted(described.items())}
