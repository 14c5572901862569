"""Base schema for API input/output: unknown fields are an error, not silently dropped."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")
