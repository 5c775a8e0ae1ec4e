"""The printable report (issue 11): `GET /v1/reports/monthly/{period}.pdf`,
printed by headless Chromium from the Chinese print view, read back as text
with pypdf: the title, every section of domain.md and the key numbers; a
frozen report prints its hash, distribution and amendments."""

import shutil
from collections.abc import Iterator
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from services.kit.producer import EventProducer
from services.kit.service import create_app
from services.kit.settings import Settings
from services.reporting.printing import SECTIONS, TITLE
from services.reporting.service import SERVICE
from tests.integration.test_reporting import completed, deliver, november_events
from tests.support import auth

pytestmark = pytest.mark.integration


@pytest.fixture
def producer(settings: Settings) -> Iterator[EventProducer]:
    p = EventProducer(settings.kafka_bootstrap, settings.topic_prefix, "test")
    yield p
    p.close()


def squeeze(text: str) -> str:
    """PDF text without the spaces and breaks the layout puts between glyphs."""
    return "".join(text.split())


def test_the_print_view_and_pdf_hold_the_report(
    settings: Settings, producer: EventProducer
) -> None:
    with TestClient(create_app(SERVICE, settings)) as client:
        client.headers.update(auth.headers(settings, "dashboard"))
        deliver(client, producer, november_events())
        admin = auth.headers(settings, "admin")
        assert client.post("/v1/reports/monthly/2026-11/freeze", headers=admin)
        deliver(
            client,
            producer,
            [completed("HF-2026-11-0099", "V7", "2026-11-24", "DD", 40)],
        )
        report = client.get("/v1/reports/monthly/2026-11").json()
        html = client.get("/v1/reports/monthly/2026-11/print")
        pdf = (
            client.get("/v1/reports/monthly/2026-11.pdf")
            if shutil.which("chromium")
            else None
        )
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    page = html.text
    assert f"<h1>{TITLE}</h1>" in page
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in page
    assert report["frozen"]["content_hash"] in page
    assert "after_sales" not in page  # codes never reach the reader
    assert "售后服务部门" in page or "售后" in page

    assert pdf is not None, "headless Chromium is not installed (make browser)"
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(BytesIO(pdf.content))
    text = squeeze("\n".join(p.extract_text() for p in reader.pages))
    assert TITLE in text
    for section in SECTIONS:
        assert squeeze(section) in text, section
    assert "2026-10-26至2026-11-25" in text
    assert "回访记录数4" in text  # the summary's first row
    assert "66.67%" in text  # product quality satisfied, 2 of 3
    assert "50.00%" in text  # service quality satisfied, 2 of 4
    assert "HF-2026-11-0099" in text  # the amendment, listed
    assert "公司领导" in text  # handed to the leadership
    assert report["frozen"]["content_hash"][:20] in text
