"""What every API operation shares: request bodies, error answers, pages, and the 422 of a write.

The API is split by app (each app's api.py: its router and schemas); this module sits below them all
so that they answer alike. The NinjaAPI instance and its exception handlers, which turn a gate's
refusal into 404/403 and a ValidationError into the documented 422, are in baozhang/api/api.py.
"""

import json

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import field_validator
from pydantic_core import PydanticCustomError


class ApiValidationError(Exception):
    """Field errors of a write, answered as 422 {"detail": [{"field", "message"}]}."""

    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


def validation_errors(error: ValidationError, field_name=None) -> list[dict]:
    """A ValidationError as the 422's field errors; ``field_name`` renames a model field."""
    if hasattr(error, "error_dict"):
        return [
            {"field": field_name(name) if field_name else name, "message": str(message)}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": str(message)} for message in error.messages]


def field_failed(error: ValidationError, field: str = "") -> ApiValidationError:
    """A service's refusal as a 422 naming one field of the request."""
    return ApiValidationError([{"field": field, "message": message} for message in error.messages])


class Input(Schema):
    """A request body. Text may not contain NUL characters (databases cannot store them)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise PydanticCustomError("nul_character", "contains a NUL character")
        return value


class Message(Schema):
    detail: str


class FieldError(Schema):
    field: str | None = Field(None, description="The field, or null for the whole record.")
    message: str


class ValidationErrors(Schema):
    detail: list[FieldError]


class RowErrorOut(Schema):
    row: int | None = Field(None, description="The row number as Excel shows it.")
    column: str | None = Field(None, description="The column header.")
    field: str | None = Field(
        None, description="A request field, when the request itself is wrong."
    )
    message: str
    text: str | None = Field(None, description="The whole message, as the page shows it.")


class ImportErrors(Schema):
    detail: list[RowErrorOut]
    total: int | None = Field(
        None, description="How many problems in all (a large workbook lists its first 300)."
    )


class ImportResultOut(Schema):
    created: int
    updated: int


class JobOut(Schema):
    """A background job (core/background.py) as every kind answers it."""

    id: int
    status: str = Field(description="queued, running, done or failed.")
    progress: int = Field(description="Percent done.")
    step: str = Field(
        description="What it is doing, in the caller's language (empty when there is nothing "
        "to say)."
    )
    error: str = Field(description="Why it failed, in the caller's language (empty unless failed).")
    attempts: int = Field(description="Runs started: a second one follows a worker that stopped.")


def job_out(job) -> dict:
    """A job's answer: its step and failure as people read them, never the internal names."""
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "step": job.step_label,
        "error": job.failure_reason,
        "attempts": job.attempts,
    }


def answers(ok: dict) -> dict:
    """The operation's own answers plus the error answers every operation can give."""
    return {
        401: Message,
        403: Message,
        404: Message,
        422: ValidationErrors,
        **ok,
    }


class Page(Schema):
    count: int
    page: int
    pages: int


def named_record(
    gate, access, record_id: int | None, *, field: str, permission: str, message: str = ""
):
    """A record named by id in a request body, through its gate; a 422 on ``field`` (with the
    message given, else a general one) when the organisation has no such record (None when no id
    is given)."""
    if record_id is None:
        return None
    try:
        return gate(access, record_id, permission=permission)
    except Http404:
        refusal = message or _("There is no such record.")
        raise ApiValidationError([{"field": field, "message": refusal}]) from None


def shaped_response(payload) -> HttpResponse:
    """An answer built in its documented schema's shape and with its types, rendered as django-ninja
    renders one, without validating it again: the validation wraps every nested object in an
    attribute getter, which took most of a busy week's bulletin (thousands of findings). The
    schemathesis tests still check such answers against the OpenAPI document, and a test compares
    one with the validated rendering."""
    return HttpResponse(
        json.dumps(payload, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8"
    )
