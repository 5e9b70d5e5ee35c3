"""Error bodies and shared parameters for the OpenAPI schema (drf-spectacular)."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

_FIELD_ERRORS = {
    "type": "object",
    "description": (
        'Errors by field: {"field": ["message", ...]}. Errors about the request '
        "as a whole are under non_field_errors; errors of list items (purchase "
        "items) are a list with one object per item."
    ),
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "array", "items": {"type": "object"}},
            {"type": "object"},
            {"type": "string"},
        ]
    },
}
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_CONFLICT = {
    "type": "object",
    "description": (
        '{"detail": "message"} for a reused Idempotency-Key or a state clash; '
        '{"field": ["message"]} when one field clashes (order_no, slot_id).'
    ),
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
}

BAD_REQUEST = OpenApiResponse(
    _FIELD_ERRORS,
    description="Invalid input; every message is readable by a person.",
    examples=[
        OpenApiExample(
            "Field error",
            value={"phone": ["Enter a valid mainland China mobile number."]},
            status_codes=["400"],
        )
    ],
)
UNAUTHORIZED = OpenApiResponse(
    _DETAIL, description="No token, or the token is not a dealer staff token."
)
NOT_FOUND = OpenApiResponse(
    _DETAIL, description="No such object for this dealer (another dealer's is 404)."
)
CONFLICT = OpenApiResponse(
    _CONFLICT,
    description="Idempotency-Key reused with a different body, or a state clash.",
)
THROTTLED = OpenApiResponse(
    _DETAIL,
    description="Too many requests for this token: retry after Retry-After seconds.",
)
UNSUPPORTED = OpenApiResponse(_DETAIL, description="Unsupported media type.")
NOT_ACCEPTABLE = OpenApiResponse(_DETAIL, description="Not acceptable.")


def errors(*codes: int) -> dict:
    """The documented error responses: 401, 404, 406 and 429 always, plus ``codes``."""
    table = {
        400: BAD_REQUEST,
        401: UNAUTHORIZED,
        404: NOT_FOUND,
        406: NOT_ACCEPTABLE,
        409: CONFLICT,
        415: UNSUPPORTED,
        429: THROTTLED,
    }
    wanted = {401, 404, 406, 429, *codes}
    return {code: table[code] for code in sorted(wanted)}
