"""The JSON shapes of the API (docs/api.md). Field names follow the models; relations are *_id."""

from baozhang.core.api import (  # noqa: F401 - the shapes every app shares
    FieldError,
    ImportErrors,
    ImportResultOut,
    Input,
    Message,
    Page,
    RowErrorOut,
    ValidationErrors,
    answers,
)
