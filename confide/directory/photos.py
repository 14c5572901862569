"""Profile photos: checked by content, re-encoded, stripped of metadata, stored under a random name.

Re-encoding through Pillow drops EXIF (GPS positions in phone photos) and any
payload hidden after the image data; the name the uploader chose is never used.
"""

from __future__ import annotations

import io
import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
OUTPUT_SIZE = (480, 480)
FOLDER = "directory/photos"
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def store_photo(upload) -> str:
    """Validate and re-encode an uploaded image; returns the storage name (``<hex>.jpg``)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {"photo": f"The photo is too large; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."}
        )
    image = _open(upload)
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF said, then drop EXIF
    image = ImageOps.fit(image.convert("RGB"), OUTPUT_SIZE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: nothing carried over
    name = f"{secrets.token_hex(16)}.jpg"
    default_storage.save(f"{FOLDER}/{name}", ContentFile(out.getvalue()))
    return name


def _open(upload) -> Image.Image:
    try:
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in ALLOWED_FORMATS:
            raise ValidationError({"photo": "Upload a JPEG, PNG or WebP image."})
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError({"photo": "The image has too many pixels."})
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise ValidationError({"photo": "This file is not an image we can read (JPEG, PNG or WebP)."}) from exc
    return image


def photo_path(name: str) -> str | None:
    """Storage path for a stored photo name, or None when the name is not one of ours."""
    stem, _, ext = name.partition(".")
    if ext != "jpg" or len(stem) != 32 or any(c not in "0123456789abcdef" for c in stem):
        return None
    return f"{FOLDER}/{name}"


def delete_photo(name: str) -> None:
    path = photo_path(name)
    if path and default_storage.exists(path):
        default_storage.delete(path)
