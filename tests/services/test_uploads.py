"""The bad-file corpus: each refused with its message, nothing stored."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from services import actions
from services.exceptions import ImageRejected
from services.models import BookingPhoto

from .images import image_bytes, jpeg_with_gps_and_orientation, png_bomb


@pytest.fixture
def booking(member, slot, address):
    return actions.booking_create(
        member_id=member.pk,
        service_type_code="installation",
        slot_id=slot.pk,
        address=address,
        source="portal",
    )


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>'


def _corpus():
    good = image_bytes("JPEG", size=(400, 300))
    return {
        "text renamed .jpg": (
            "photo.jpg",
            b"Hello, this is not an image at all.\n" * 10,
            "Only JPEG, PNG or WebP images are accepted.",
        ),
        "truncated JPEG": (
            "cut.jpg",
            good[: len(good) // 2],
            "The image is damaged or incomplete; please take or export it again.",
        ),
        "SVG": ("vector.jpg", SVG, "Only JPEG, PNG or WebP images are accepted."),
        "GIF": (
            "anim.gif",
            image_bytes("GIF"),
            "Only JPEG, PNG or WebP images are accepted.",
        ),
        "oversize": (
            "huge.jpg",
            b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024),
            "The file is larger than 10 MB.",
        ),
        "decompression bomb 50000x50000": (
            "bomb.png",
            png_bomb(),
            "The image has too many pixels: at most 40 megapixels.",
        ),
        "empty": ("empty.jpg", b"", "The file is empty."),
    }


@pytest.mark.parametrize("case", list(_corpus()))
def test_bad_file_is_refused_with_its_message_and_nothing_stored(
    case, booking, member, settings
):
    name, data, message = _corpus()[case]

    with pytest.raises(ImageRejected) as exc:
        actions.booking_photo_add(
            booking_id=booking.pk, file=_upload(name, data), actor_id=member.user_id
        )

    assert str(exc.value) == message
    assert BookingPhoto.objects.count() == 0
    assert _stored_files(settings) == []


def test_more_than_40_megapixels_is_refused_even_when_small_on_disk(
    booking, member, settings
):
    settings.SERVICES_UPLOAD_MAX_PIXELS = 10_000  # 100 x 100
    data = image_bytes("PNG", size=(200, 100))

    with pytest.raises(ImageRejected, match="too many pixels"):
        actions.booking_photo_add(
            booking_id=booking.pk, file=_upload("a.png", data), actor_id=member.user_id
        )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_are_stored_re_encoded_with_a_thumbnail(
    fmt, booking, member, settings
):
    data = image_bytes(fmt, size=(800, 600))

    photo = actions.booking_photo_add(
        booking_id=booking.pk,
        file=_upload(f"p.{fmt.lower()}", data),
        actor_id=member.user_id,
    )

    stored = Path(photo.image.path).read_bytes()
    assert stored != data  # re-encoded by Pillow, never the uploaded bytes
    assert Image.open(io.BytesIO(stored)).format == fmt
    thumb = Image.open(photo.thumbnail.path)
    assert max(thumb.size) <= 320
    assert (photo.width, photo.height) == (800, 600)


def test_html_hidden_behind_a_png_header_is_not_stored(booking, member):
    data = image_bytes("PNG") + b"<html><script>alert('x')</script></html>"

    photo = actions.booking_photo_add(
        booking_id=booking.pk,
        file=_upload("x.png", data, "image/png"),
        actor_id=member.user_id,
    )

    assert b"<script>" not in Path(photo.image.path).read_bytes()


def test_exif_orientation_is_applied_and_gps_stripped(booking, member):
    data = jpeg_with_gps_and_orientation(size=(80, 40))
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the input has GPS

    photo = actions.booking_photo_add(
        booking_id=booking.pk, file=_upload("gps.jpg", data), actor_id=member.user_id
    )

    stored = Image.open(photo.image.path)
    assert stored.size == (40, 80)  # rotated upright
    exif = stored.getexif()
    assert 0x8825 not in exif and not exif.get_ifd(0x8825)
    assert 0x0112 not in exif


def test_another_member_cannot_add_photos(booking, other_member):
    from services.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        actions.booking_photo_add(
            booking_id=booking.pk,
            file=_upload("a.jpg", image_bytes()),
            actor_id=other_member.user_id,
        )


def test_portal_upload_refuses_a_bad_file_with_the_message(member_client, booking):
    url = reverse("services:booking_photo_add", args=[booking.pk])

    response = member_client.post(
        url, {"kind": "site", "image": _upload("a.jpg", b"not an image")}
    )

    assert response.status_code == 400
    assert "Only JPEG, PNG or WebP images are accepted." in response.content.decode()
    assert BookingPhoto.objects.count() == 0


def test_portal_upload_accepts_a_photo(member_client, booking):
    url = reverse("services:booking_photo_add", args=[booking.pk])

    response = member_client.post(
        url, {"kind": "fault", "image": _upload("a.jpg", image_bytes())}
    )

    assert response.status_code == 302
    assert booking.photos.get().kind == "fault"


def test_request_body_over_the_cap_is_refused_before_it_is_read(
    member_client, booking, settings
):
    settings.SERVICES_UPLOAD_MAX_BYTES = 1024
    url = reverse("services:booking_photo_add", args=[booking.pk])
    body = io.BytesIO(b"x" * 500_000)

    class Unreadable(io.BytesIO):
        def read(self, *a, **kw):  # pragma: no cover - must never be called
            raise AssertionError("the body was read")

    response = member_client.generic(
        "POST",
        url,
        data=b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(len(body.getvalue())),
        **{"wsgi.input": Unreadable()},
    )

    assert response.status_code == 413
    assert "The file is larger than" in response.content.decode()
    assert BookingPhoto.objects.count() == 0


def test_upload_without_content_length_is_stopped_by_the_handler(
    member_client, booking, settings
):
    settings.SERVICES_UPLOAD_MAX_BYTES = 10_000
    url = reverse("services:booking_photo_add", args=[booking.pk])
    big = _upload("big.jpg", image_bytes("JPEG") + b"\x00" * 400_000)

    response = member_client.post(url, {"kind": "site", "image": big})

    assert response.status_code == 413
    assert BookingPhoto.objects.count() == 0


def test_cap_holds_with_csrf_enforced_and_csrf_is_still_checked(
    member, booking, settings
):
    """CsrfViewMiddleware would read the whole body; the capped view is exempt
    from the middleware and checks CSRF itself after the cap."""
    from django.test import Client

    settings.SERVICES_UPLOAD_MAX_BYTES = 1024
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    url = reverse("services:booking_photo_add", args=[booking.pk])

    class Unreadable(io.BytesIO):
        def read(self, *a, **kw):  # pragma: no cover - must never be called
            raise AssertionError("the body was read")

    too_big = client.generic(
        "POST",
        url,
        data=b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH="5000000",
        **{"wsgi.input": Unreadable()},
    )
    small_without_token = client.post(
        url, {"kind": "site", "image": _upload("a.jpg", image_bytes())}
    )

    assert too_big.status_code == 413
    assert small_without_token.status_code == 403
    assert BookingPhoto.objects.count() == 0
