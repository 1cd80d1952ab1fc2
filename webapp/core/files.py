"""Photos: shrunk, stripped of EXIF and GPS, encrypted, stored outside static/. Scanned
documents (a signed agreement): a photo of the paper goes the same way; a PDF is checked by its
magic bytes and size and sealed as it came.

Files live under instance/files/<tenant id>/ sealed with AES-256-GCM (the tenant and file uid
bound in as associated data) and are served only through permission-checked views.
"""

from __future__ import annotations

import io
import uuid
import warnings
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from webapp.core.crypto import cipher

MAX_UPLOAD_BYTES = 12 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo is already more than any phone takes
LONGEST_SIDE = 1280
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO", "HEIF"}


class NotAnImage(ValueError):
    """The upload is not a photo we accept (or is too large, or a decompression bomb)."""


def _directory(tenant_id: int) -> Path:
    directory = Path(current_app.instance_path) / "files" / str(tenant_id)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _associated_data(tenant_id: int, file_uid: uuid.UUID) -> bytes:
    return f"file:{tenant_id}:{file_uid}".encode()


def shrink_photo(data: bytes) -> bytes:
    """A JPEG no larger than LONGEST_SIDE, upright, with no metadata at all."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise NotAnImage("too large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise NotAnImage(image.format or "unknown")
                if image.width * image.height > MAX_PIXELS:
                    raise NotAnImage("too many pixels")
                upright = ImageOps.exif_transpose(image).convert("RGB")
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
    ) as error:
        raise NotAnImage(str(error)) from None
    upright.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=80, optimize=True)  # a new file: no EXIF, no GPS
    return out.getvalue()


def store_photo(tenant_id: int, data: bytes) -> uuid.UUID:
    return store_sealed(tenant_id, shrink_photo(data))


def store_sealed(tenant_id: int, data: bytes) -> uuid.UUID:
    """Seal bytes already checked (a shrunk photo, a checked PDF) and store them."""
    file_uid = uuid.uuid4()
    sealed = cipher().encrypt_bytes(data, _associated_data(tenant_id, file_uid))
    (_directory(tenant_id) / f"{file_uid}.bin").write_bytes(sealed)
    return file_uid


def load_photo(tenant_id: int, file_uid: uuid.UUID) -> bytes:
    sealed = (_directory(tenant_id) / f"{file_uid}.bin").read_bytes()
    return cipher().decrypt_bytes(sealed, _associated_data(tenant_id, file_uid))


load_sealed = load_photo  # any sealed file reads back the same way

PDF = "application/pdf"
JPEG = "image/jpeg"
PDF_MAGIC = b"%PDF-"


class NotADocument(ValueError):
    """Neither a photo we accept nor a whole PDF (or too large)."""


def prepare_document(data: bytes) -> tuple[bytes, str]:
    """A scan as it will be stored, and its type: a PDF as it came, once its first bytes say
    PDF and its end is there (a transfer cut short on a weak network has none); anything else
    must be a photo, shrunk and stripped like every photo."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise NotADocument("too large")
    if data.startswith(PDF_MAGIC):
        if b"%%EOF" not in data[-2048:]:
            raise NotADocument("incomplete PDF")
        return data, PDF
    try:
        return shrink_photo(data), JPEG
    except NotAnImage as error:
        raise NotADocument(str(error)) from None


def delete_file(tenant_id: int, file_uid: uuid.UUID) -> None:
    """Remove a stored file for good (anonymisation, offboarding); a missing one is fine."""
    (_directory(tenant_id) / f"{file_uid}.bin").unlink(missing_ok=True)
