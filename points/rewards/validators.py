"""Validation of uploaded item images with Pillow."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_SIDE = 4096
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def validate_item_image(file) -> None:
    """Refuse anything that is not a JPEG/PNG/WebP within the size and pixel limits.

    Reads only the header for the size check (``Image.open`` is lazy), so a
    decompression bomb is refused before it is decoded, then ``verify()``
    checks the file is not truncated or corrupt.
    """
    if not file:
        return
    size = getattr(file, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is too large: at most 5 MB."), code="image_too_large"
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with Image.open(file) as image:
            width, height = image.size
            if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                raise ValidationError(
                    _("The image is too big: at most 4096×4096 pixels."),
                    code="image_too_many_pixels",
                )
            if image.format not in ALLOWED_FORMATS:
                raise ValidationError(
                    _("Upload a JPEG, PNG or WebP image."), code="image_format"
                )
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not a valid image."), code="image_invalid"
        ) from None
    finally:
        if position is not None:
            file.seek(position)
