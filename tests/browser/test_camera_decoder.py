"""Scanning on any phone: in a Chromium without BarcodeDetector (as on an iPhone), the sampler
page's camera decoder (the vendored zxing, loaded on first use) reads a person's QR code and a
Code 128 tube label from generated images, the way it reads each camera frame."""

import base64

import pytest
import segno
from reportlab.graphics import renderSVG
from reportlab.graphics.barcode import createBarcodeDrawing

from fangkong.testing import codes
from fangkong.testing import services as testing
from tests.factories import make_world
from tests.registry.test_screening_browser import in_phone

pytestmark = [pytest.mark.browser]

DECODE = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  return await window.Fangkong.scan.decode(img);
}"""


def code128_data_uri(value: str) -> str:
    drawing = createBarcodeDrawing("Code128", value=value, barHeight=60, barWidth=2, humanReadable=False, quiet=True)
    svg = renderSVG.drawToString(drawing).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def test_a_phone_without_barcodedetector_reads_a_qr_code_and_a_tube_label(transactional_db, live_server):
    world = make_world()
    round_ = testing.create_round(world.users["command_post"], world.community, name="第一轮", pool_size=5)
    person_code = codes.token(codes.code_for(world.person_a))
    qr = segno.make(person_code, error="m").png_data_uri(scale=6, border=4)
    tube = code128_data_uri("20221201007")
    seen = {}

    def steps(page, context, violations):
        page.context.add_init_script("delete window.BarcodeDetector; delete window.ZXing;")
        page.goto(f"{live_server.url}/testing/{round_.pk}/sampler/")
        seen["native"] = page.evaluate("() => 'BarcodeDetector' in window")
        seen["qr"] = page.evaluate(DECODE, qr)
        seen["tube"] = page.evaluate(DECODE, tube)
        seen["loaded"] = page.evaluate("() => typeof window.ZXing")
        seen["camera_button"] = page.is_visible("#sampler-camera") or not page.evaluate(
            "() => !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)")
        seen["violations"] = list(violations)

    in_phone(live_server, world.users["sampler"].username, steps)
    assert seen["native"] is False
    assert seen["qr"] == person_code
    assert seen["tube"] == "20221201007"
    assert seen["loaded"] == "object"  # the fallback decoder did the reading
    assert seen["camera_button"]
    assert seen["violations"] == []
