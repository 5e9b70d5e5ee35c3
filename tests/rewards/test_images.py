"""Item images are validated with Pillow: format, bytes and pixels."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from points.rewards.validators import validate_item_image


def _image(fmt: str, size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#c0392b").save(buffer, format=fmt)
    return SimpleUploadedFile(f"x.{fmt.lower()}", buffer.getvalue())


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_jpeg_png_and_webp_images_pass(fmt):
    validate_item_image(_image(fmt))


def test_other_formats_are_refused():
    with pytest.raises(ValidationError, match="JPEG"):
        validate_item_image(_image("GIF"))


def test_an_image_with_too_many_pixels_is_refused_before_decoding():
    with pytest.raises(ValidationError) as caught:
        validate_item_image(_image("PNG", size=(5000, 10)))
    assert caught.value.code == "image_too_many_pixels"


def test_a_file_over_5_mb_is_refused():
    big = SimpleUploadedFile("big.png", b"\0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError) as caught:
        validate_item_image(big)
    assert caught.value.code == "image_too_large"


@pytest.mark.parametrize(
    "content", [b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 20]
)
def test_garbage_and_truncated_files_are_refused(content):
    with pytest.raises(ValidationError) as caught:
        validate_item_image(SimpleUploadedFile("x.png", content))
    assert caught.value.code == "image_invalid"
