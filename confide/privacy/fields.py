"""Model fields that keep PHI encrypted at rest.

Use these for every PHI column (see DESIGN.md §4). Values are plain Python in
memory and ciphertext in the database; they cannot be filtered or ordered by
content (only ``isnull``), which is the point.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from confide.privacy.crypto import decrypt_text, encrypt_text

REGISTRY: list[EncryptedField] = []


class EncryptedField(models.TextField):
    """Shared plumbing: column context, lookups, registry for key rotation."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not cls._meta.abstract:
            REGISTRY.append(self)

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None  # ciphertext comparisons would be silently wrong
        return super().get_lookup(lookup_name)

    def get_internal_type(self) -> str:
        return "TextField"


class EncryptedTextField(EncryptedField):
    """A text column stored as AES-GCM ciphertext."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decrypt_text(value, context=self.crypto_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt_text(str(value), context=self.crypto_context)


class EncryptedJSONField(EncryptedField):
    """Any JSON-serialisable value (dict, list, …) stored as one ciphertext."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(decrypt_text(value, context=self.crypto_context))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        plaintext = json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True)
        return encrypt_text(plaintext, context=self.crypto_context)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)

    def formfield(self, form_class=None, choices_form_class=None, **kwargs):
        from django.forms import JSONField as JSONFormField

        return JSONFormField(**kwargs)


def encrypted_fields() -> list[EncryptedField]:
    """Every encrypted column of every installed model (for rotation).

    Migrations build temporary model classes (e.g. SQLite's ``new__`` tables) that
    also register here; only fields of the models in the app registry count.
    """
    from django.apps import apps

    live = []
    for field in REGISTRY:
        try:
            model = apps.get_model(field.model._meta.label)
        except LookupError:
            continue
        if model is field.model:
            live.append(field)
    return live
