"""QR codes of voucher codes, as inline SVG (segno, pure Python)."""

import segno
from django.utils.safestring import SafeString, mark_safe


def voucher_qr_svg(code: str, *, scale: int = 4, title: str = "") -> SafeString:
    """An inline ``<svg>`` of ``code`` that a dealer's scanner reads back.

    Only the code is encoded (no URL, no member data). Error correction M
    survives a scuffed phone screen; the quiet zone is kept for scanners.
    """
    qr = segno.make(code, error="m", micro=False)
    svg = qr.svg_inline(scale=scale, title=title or None, svgclass="voucher-qr")
    return mark_safe(svg)  # noqa: S308 - segno escapes the title; the code is ours
