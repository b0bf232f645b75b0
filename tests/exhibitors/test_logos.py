"""Hostile logos: an image whose header promises millions of pixels is refused from its header,
before Pillow decodes it, with a message next to the field; eight at once answer within seconds
and the process does not grow by the hundreds of megabytes a decoded image would take."""

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import sqlalchemy as sa
from PIL import Image

from exhibition.exhibitors.models import Exhibitor
from exhibition.extensions import db
from tests.conftest import csrf_token
from tests.exhibitors.test_application import application, exhibitors
from tests.exhibitors.test_portal import sign_in

ROOT = Path(__file__).resolve().parent.parent.parent
MESSAGE_EN = (
    "The logo must be a PNG, JPEG or WebP image of at most 1.5 MB and 4 megapixels"
    " (2000 × 2000 pixels, say); photos from a phone camera may be larger."
)
MESSAGE_VI = (
    "Logo phải là ảnh PNG, JPEG hoặc WebP, dung lượng tối đa 1,5 MB và không quá 4 megapixel"
    " (chẳng hạn 2000 × 2000 điểm ảnh); ảnh chụp bằng điện thoại có thể lớn hơn."
)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def hostile_png(width: int = 4999, height: int = 5000) -> bytes:
    """A 16-bit RGB PNG of 25 megapixels, all black: about 150 KB on the wire, 150 MB of
    samples (and twice that in Pillow) once decoded."""
    packer = zlib.compressobj(9)
    row = b"\x00" + bytes(width * 6)  # filter byte "none", then 6 bytes a pixel
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)  # 16 bits, RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def stored_logos(app) -> list[str]:
    folder = Path(app.instance_path) / "uploads" / "logos"
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def test_hostile_png_is_small_and_claims_25_megapixels():
    data = hostile_png()
    assert len(data) < 200_000
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size) == ("PNG", (4999, 5000))


def test_apply_with_a_16_bit_25_megapixel_png_gets_a_field_error_in_both_languages(
    app, client, make_event
):
    make_event()
    response = application(client, logo=(io.BytesIO(hostile_png()), "logo.png"))
    assert response.status_code == 422
    assert MESSAGE_VI in response.text
    client.get("/events/expo-2026/exhibit?lang=en")
    response = application(client, logo=(io.BytesIO(hostile_png()), "logo.png"))
    assert response.status_code == 422
    assert MESSAGE_EN in response.text
    assert 'id="logo-error"' in response.text
    assert exhibitors(app) == []
    assert stored_logos(app) == []


def test_apply_with_a_huge_jpeg_photo_is_decoded_small_and_stored(app, client, make_event):
    """A phone photo of 8000 x 6000 (48 megapixels) is decoded at a quarter of its size."""
    make_event()
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 6000), (20, 120, 60)).save(buffer, format="JPEG", quality=60)
    assert len(buffer.getvalue()) < 1_500_000
    response = application(client, logo=(io.BytesIO(buffer.getvalue()), "IMG_0002.jpg"))
    assert response.status_code == 302
    (exhibitor,) = exhibitors(app)
    logo = client.get(f"/media/logos/{exhibitor.logo_filename}")
    assert Image.open(io.BytesIO(logo.data)).size == (800, 600)


def test_apply_with_a_progressive_jpeg_of_too_many_pixels_is_refused(app, client, make_event):
    """A progressive JPEG is held whole while it is decoded, however small it is drawn."""
    make_event()
    buffer = io.BytesIO()
    Image.new("RGB", (6000, 4000), (20, 120, 60)).save(buffer, format="JPEG", progressive=True)
    response = application(client, logo=(io.BytesIO(buffer.getvalue()), "logo.jpg"))
    assert response.status_code == 422
    assert MESSAGE_VI in response.text
    assert exhibitors(app) == []


def test_portal_profile_with_a_hostile_png_keeps_the_old_logo(
    app, client, make_event, make_exhibitor
):
    make_event()
    exhibitor = make_exhibitor()
    sign_in(app, client)
    page = client.get("/events/expo-2026/portal/profile?lang=en")
    data = {
        "csrf_token": csrf_token(page.text),
        "company_name_vi": "Công ty Tên Mới", "sectors": ["mechanical"], "main_products": "Khuôn",
        "contact_name": "A", "contact_phone": "0912345678", "contact_language": "vi",
        "logo": (io.BytesIO(hostile_png()), "logo.png"),
    }  # fmt: skip
    response = client.post(
        "/events/expo-2026/portal/profile", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert MESSAGE_EN in response.text
    with app.app_context():
        stored = db.session.get(Exhibitor, exhibitor)
        assert (stored.company_name_vi, stored.logo_filename) == ("Công ty TNHH Thử nghiệm 1", None)
    assert stored_logos(app) == []


# Eight hostile uploads at once, in a process of their own so that its peak memory (ru_maxrss)
# tells whether any of them was decoded: each decoded one would take about 300 MB.
EIGHT_AT_ONCE = r"""
import io, json, resource, sys, threading, time
from pathlib import Path

from tests.conftest import make_app
from tests.exhibitors.test_application import application
from tests.exhibitors.test_logos import hostile_png

app = make_app(sys.argv[1], Path(sys.argv[2]))
png = hostile_png()
clients = [app.test_client() for _ in range(8)]
# Once before measuring: the form, a refused logo, the page with its error (templates, imports).
warm = application(clients[0], logo=(io.BytesIO(b"<html></html>"), "logo.png"))
assert warm.status_code == 422, warm.status_code
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = threading.Barrier(8)
answers = [None] * 8

def upload(index):
    start.wait()
    began = time.monotonic()
    response = application(clients[index], logo=(io.BytesIO(png), "logo.png"))
    answers[index] = (response.status_code, 'id="logo-error"' in response.text,
                      time.monotonic() - began)

threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
began = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - began
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"answers": answers, "elapsed": elapsed, "grown_mb": grown}))
"""


def test_apply_eight_hostile_pngs_at_once_are_refused_within_seconds_without_decoding(
    app, make_event
):
    make_event()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            EIGHT_AT_ONCE,
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.instance_path,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["grown_mb"] < 100, outcome  # one decoded image alone takes about 300 MB
    assert outcome["elapsed"] < 10, outcome
    assert [(status, error) for status, error, _s in outcome["answers"]] == [(422, True)] * 8
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Exhibitor)) == 0
    assert stored_logos(app) == []
