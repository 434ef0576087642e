"""QR codes in image attachments ("quishing"): the link a phone camera would open.

Optional: decoding needs zxing-cpp (Apache-2.0) and Pillow (MIT-CMU), both wheels without system
libraries. Without them nothing is decoded and the analysis says nothing about QR codes.
Images are only decoded, never shown; size caps keep a hostile image from costing more than a
few milliseconds.
"""

from __future__ import annotations

import io
from typing import Any

MAX_PIXELS = 1_500_000  # bigger images are photos, and decoding them costs too much
MIN_SIDE = 60  # smaller ones are icons and spacers


def _libraries() -> tuple[Any, Any] | None:
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return None
    return zxingcpp, Image


def available() -> bool:
    return _libraries() is not None


def qr_texts(data: bytes) -> list[str]:
    """The texts of the QR codes in an image; [] when there are none or it cannot be read."""
    libraries = _libraries()
    if libraries is None:
        return []
    zxingcpp, image_module = libraries
    try:
        with image_module.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS or min(width, height) < MIN_SIDE:
                return []
            gray = image.convert("L")
        found = zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)
    except Exception:  # damaged or hostile image: nothing to read
        return []
    return [str(code.text) for code in found if code.text]
