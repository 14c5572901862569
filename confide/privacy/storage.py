"""File storage that encrypts file contents at rest.

PHI files (message attachments, documents) are written as AES-GCM ciphertext
under a random name; views stream the decrypted bytes after a policy check.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from confide.privacy.crypto import decrypt_bytes, encrypt_bytes

CONTEXT = "privacy.encrypted-file"


class EncryptedFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose bytes on disk are ciphertext."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("base_url", None)
        super().__init__(*args, **kwargs)

    @cached_property
    def base_location(self):
        """MEDIA_ROOT/encrypted, read when first used (and again after MEDIA_ROOT changes), not at import:
        model fields build their storage once, when the models load."""
        from django.conf import settings

        explicit = getattr(self, "_location", None)  # a location given to __init__ wins
        return self._value_or_setting(explicit, os.path.join(settings.MEDIA_ROOT, "encrypted"))

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Never keep the uploaded name: it may itself be PHI ("my-diagnosis.pdf").
        folder = PurePosixPath(name).parent
        return super().get_available_name(str(folder / f"{secrets.token_hex(16)}.bin"), max_length)

    def _save(self, name, content):
        content.seek(0)
        sealed = encrypt_bytes(content.read(), context=CONTEXT)
        return super()._save(name, ContentFile(sealed))  # type: ignore[misc]

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode:
            raise ValueError("encrypted files are written through save(), not opened for writing")
        with super()._open(name, "rb") as handle:  # type: ignore[misc]
            plaintext = decrypt_bytes(handle.read(), context=CONTEXT)
        return ContentFile(plaintext, name=name)

    def url(self, name):
        raise ValueError("encrypted files have no public URL; stream them from a view")

    def read_raw(self, name: str) -> bytes:
        """Ciphertext exactly as stored (rotation and tests)."""
        with super()._open(name, "rb") as handle:  # type: ignore[misc]
            return handle.read()

    def replace_raw(self, name: str, sealed: bytes) -> None:
        """Atomically replace a file's ciphertext (used by key rotation)."""
        import os

        path = self.path(name)
        tmp = f"{path}.rotating"
        with open(tmp, "wb") as handle:
            handle.write(sealed)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
