"""The base of every desired-state model: unknown keys are refused, numbers written for text are kept."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class DesiredModel(BaseModel):
    """A part of the desired state. Field names are the APIs' own; unknown keys are an error.

    ``coerce_numbers_to_str`` lets ``registration_number: 12345678`` stand unquoted; the YAML loader
    keeps numbers whose text a conversion would change (``0742``, ``+4722000000``) as written.

    ``defer_build``: a model's validator is built when it is first used, not at import. The merchant
    model's own holds every part, so building each part's as well (pydantic's default) was work every
    start paid for nothing; a part used alone (dumped by a plan) is built then.
    """

    model_config = ConfigDict(
        extra="forbid",
        coerce_numbers_to_str=True,
        validate_default=False,
        defer_build=True,
    )
