"""The QR symbol for a URL, as SVG (crisp at any print size) or PNG.

Error correction M tolerates about 15% damage (a scratched or partly covered poster) while keeping the
symbol small: a survey URL of some 50 characters fits version 3 or 4.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def version(url: str) -> int:
    return _code(url).version


def svg(url: str) -> str:
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def png(url: str, box_size: int = 10) -> bytes:
    code = _code(url)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def survey_url(base_url: str, token: str) -> str:
    return f"{base_url}/q/{token}"
