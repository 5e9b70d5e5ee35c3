"""Uploaded images: validated, decoded and re-encoded by Pillow.

Only the re-encoded image is ever stored, so whatever rides behind a valid
header (HTML, a script, EXIF GPS tags) never reaches the media folder. The
request body is capped before Django reads it (``upload_capped``).
"""

import io
import uuid
import warnings
from dataclasses import dataclass
from functools import wraps

from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image, ImageOps, UnidentifiedImageError

from . import conf
from .exceptions import ImageRejected

# Pillow format -> (extension, output mode for RGB-ish content)
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class ProcessedImage:
    content: ContentFile
    name: str
    thumb_content: ContentFile
    thumb_name: str
    width: int
    height: int
    size: int
    format: str


def max_bytes() -> int:
    return conf.get("SERVICES_UPLOAD_MAX_BYTES")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def _read_capped(file) -> bytes:
    limit = max_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ImageRejected(
            _("The file is larger than %(mb)s MB.") % {"mb": _mb(limit)}
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ImageRejected(
            _("The file is larger than %(mb)s MB.") % {"mb": _mb(limit)}
        )
    if not data:
        raise ImageRejected(_("The file is empty."))
    return data


def _too_many_pixels() -> ImageRejected:
    mp = conf.get("SERVICES_UPLOAD_MAX_PIXELS") // 1_000_000
    return ImageRejected(
        _("The image has too many pixels: at most %(mp)s megapixels.") % {"mp": mp}
    )


def image_process(file) -> ProcessedImage:
    """Check and re-encode an uploaded image. Raises ImageRejected with a
    message for a person; stores nothing."""
    data = _read_capped(file)
    max_pixels = conf.get("SERVICES_UPLOAD_MAX_PIXELS")
    with warnings.catch_warnings():
        # A decompression-bomb warning is a refusal here, not a log line.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ImageRejected(
                _("Only JPEG, PNG or WebP images are accepted.")
            ) from None
        fmt = img.format
        if fmt not in ACCEPTED_FORMATS:
            raise ImageRejected(_("Only JPEG, PNG or WebP images are accepted."))
        width, height = img.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise _too_many_pixels()
        try:
            img.load()  # decode every byte: truncated or corrupt files fail here
            img = ImageOps.exif_transpose(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:  # Pillow raises many kinds for broken data
            raise ImageRejected(
                _("The image is damaged or incomplete; please take or export it again.")
            ) from None
    return _encode(img, fmt)


def _encode(img: Image.Image, fmt: str) -> ProcessedImage:
    if fmt == "JPEG":
        out_img = img.convert("RGB")
    elif img.mode in ("RGB", "RGBA", "L", "LA"):
        out_img = img.copy()
    else:
        out_img = img.convert(
            "RGBA" if "transparency" in img.info or "A" in img.mode else "RGB"
        )
    # A fresh info dict: no EXIF (GPS), no text chunks, no comments survive.
    out_img.info = {}
    buf = io.BytesIO()
    if fmt == "JPEG":
        out_img.save(buf, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        out_img.save(buf, "PNG", optimize=True)
    else:
        out_img.save(buf, "WEBP", quality=85)
    body = buf.getvalue()

    thumb = out_img.copy()
    thumb.thumbnail(tuple(conf.get("SERVICES_THUMBNAIL_SIZE")))
    if thumb.mode != "RGB":
        background = Image.new("RGB", thumb.size, "white")
        rgba = thumb.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        thumb = background
    tbuf = io.BytesIO()
    thumb.save(tbuf, "JPEG", quality=80, optimize=True)

    stem = uuid.uuid4().hex
    return ProcessedImage(
        content=ContentFile(body),
        name=f"{stem}.{ACCEPTED_FORMATS[fmt]}",
        thumb_content=ContentFile(tbuf.getvalue()),
        thumb_name=f"{stem}.jpg",
        width=out_img.width,
        height=out_img.height,
        size=len(body),
        format=fmt,
    )


# --------------------------------------------------------------------------
# Capping the request before its body is read


class _CappedUploadHandler(FileUploadHandler):
    """Stops reading the body once the upload passes the cap (covers clients
    that lie about or omit Content-Length)."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def request_limit(files: int = 1) -> int:
    return max_bytes() * files + 256 * 1024


def upload_too_large_message() -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": _mb(max_bytes())}


def upload_capped(files: int = 1, on_too_large=None):
    """View decorator: refuse a POST whose body is larger than ``files``
    images before Django parses it, then check CSRF.

    CsrfViewMiddleware would read ``request.POST`` (the whole multipart body)
    before the view runs, so the view is csrf_exempt for the middleware and
    protected again inside, after the cap. ``on_too_large(request, *args,
    **kwargs)`` builds the response (status 413)."""

    def decorator(view):
        protected = csrf_protect(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            request.upload_too_large = False
            if request.method == "POST":
                limit = request_limit(files)
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = 0
                if length > limit:
                    request.upload_too_large = True
                    return on_too_large(request, *args, **kwargs)
                request.upload_handlers.insert(0, _CappedUploadHandler(request, limit))
            response = protected(request, *args, **kwargs)
            return response

        return csrf_exempt(wrapper)

    return decorator
