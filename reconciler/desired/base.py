"""The base of every desired-state model: unknown keys are refused, numbers written for text are kept."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DesiredModel(BaseModel):
    """A part of the desired state. Field names are the APIs' own; unknown keys are an error.

    ``coerce_numbers_to_str`` lets ``registration_number: 12345678`` stand unquoted; the YAML loader
    keeps numbers whose text a conversion would change (``0742``, ``+4722000000``) as written.
    """

    model_config = ConfigDict(
        extra="forbid",
        coerce_numbers_to_str=True,
        validate_default=False,
    )
