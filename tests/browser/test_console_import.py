"""The clerk's Friday batch through the console in a real browser (issue 12):
a production clerk signs in (the upload page is the one a clerk lands on),
downloads the department's template from the page, fills it with openpyxl
with one broken row and uploads it: the dry run names the row and column on
the page; the real import is refused whole (the ledger's API shows nothing
appended); the fixed file imports (the page shows the appended counts); a
second upload appends nothing (the page shows them as already there).
Screenshots go to tests/browser/artifacts/."""

import time
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from services.kit.settings import Settings
from services.ledger.domain.imports import COLUMNS
from tests.browser.test_console import (  # the console's fixtures and helpers
    browser,
    deployment,
    errors,
    ready,
    shot,
    sign_in,
)
from tests.support import auth

pytestmark = pytest.mark.e2e
__all__ = ["browser", "deployment"]  # fixtures used here by name

CONTRACT = {
    "customer_id": "C7",
    "customer_name": "华东电力",
    "contract_id": "K7",
    "project_name": "110kV 变电站",
    "amount": "1200000.00",
    "region": "east",
    "power_contact.name": "李伟",
    "power_contact.phone": "13800000001",
    "substation_contact.name": "王芳",
    "substation_contact.phone": "13800000002",
}
SHIPPED = {
    "customer_id": "C7",
    "contract_id": "K7",
    "unit_id": "U71",
    "product_model": "KYN28-12",
    "quantity": "4",
    "ship_date": "2026-11-20",
}
QUANTITY = "产品数量 (quantity)"


def downloaded(folder: Path, timeout_s: float = 30) -> Path:
    """The one finished download in `folder`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing downloaded into {folder}")


def fill(template: Path, out: Path, quantity: str) -> Path:
    """The template with a contract and two shipments typed in; the second
    shipment's quantity is `quantity`."""
    book = load_workbook(template)
    rows = {
        "contract_registered": [CONTRACT],
        "shipped": [SHIPPED, {**SHIPPED, "unit_id": "U72", "quantity": quantity}],
    }
    for name, filled in rows.items():
        sheet = book[name]
        for r, row in enumerate(filled, start=2):
            for c, column in enumerate(COLUMNS[name], start=1):
                sheet.cell(row=r, column=c, value=row.get(column.path))
    book.save(out)
    return out


def upload(driver: webdriver.Chrome, path: Path, button: str) -> None:
    """Choose the file and press the button; wait until the ledger answered."""
    chooser = driver.find_element(By.ID, "upload-file")
    chooser.clear()
    chooser.send_keys(str(path))
    driver.execute_script("window.consoleApp.uploadPhases = []")
    driver.find_element(By.ID, button).click()
    WebDriverWait(driver, 60).until(
        lambda d: (
            d.execute_script("return window.consoleApp.uploadPhases.at(-1)") == "done"
            and d.find_element(By.ID, "upload-report").text
        )
    )
    phases = driver.execute_script("return window.consoleApp.uploadPhases")
    # the progress shown: the file sent, then the ledger at work, then done
    assert phases[0] == "sending", phases
    assert phases[-1] == "done", phases
    assert not driver.find_element(By.ID, "upload-progress").is_displayed()


def problems(driver: webdriver.Chrome) -> list[list[str]]:
    return [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in driver.find_elements(By.CSS_SELECTOR, "#problems tbody tr")
    ]


def test_a_clerk_uploads_the_friday_batch(
    settings: Settings,
    deployment: dict[str, str],
    browser: webdriver.Chrome,
    tmp_path: Path,
) -> None:
    base = deployment["console"]
    admin = httpx.Client(headers=auth.headers(settings), timeout=30)

    def ledger_units() -> list[str]:
        r = admin.get(f"{deployment['ledger']}/v1/ledger", params={"customer_id": "C7"})
        assert r.status_code == 200, r.text
        return sorted(str(row["unit_id"]) for row in r.json()["items"])

    clerk = auth.issue(settings, "production", owner="周五文员")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior",
        {"behavior": "allow", "downloadPath": str(downloads)},
    )

    # The clerk signs in and lands on the upload page; the template downloads.
    sign_in(browser, base, clerk)
    ready(browser, "upload")
    assert browser.find_element(By.ID, "nav-upload").is_displayed()
    browser.find_element(By.ID, "template-xlsx").click()
    template = downloaded(downloads)
    assert template.name == "template-production.xlsx"
    assert load_workbook(template).sheetnames[:2] == ["contract_registered", "shipped"]
    shot(browser, "upload")

    # Filled with one broken row: the dry run names the row and column.
    broken = fill(template, tmp_path / "周五-broken.xlsx", quantity="四")
    upload(browser, broken, "upload-dry-run")
    summary = browser.find_element(By.ID, "upload-summary")
    assert summary.get_attribute("data-dry-run") == "true"
    assert "3" in summary.text  # rows
    found = problems(browser)
    assert len(found) == 1, found
    assert found[0][:3] == ["shipped", "3", QUANTITY]
    assert found[0][3]  # the rule, in the words of POST /v1/events
    shot(browser, "upload-dry-run")

    # The real import is refused whole: nothing appended.
    upload(browser, broken, "upload-import")
    assert browser.find_element(By.ID, "upload-refused").is_displayed()
    assert problems(browser)[0][:3] == ["shipped", "3", QUANTITY]
    shot(browser, "upload-refused")
    assert ledger_units() == []

    # Fixed, it imports: the page shows what was appended.
    fixed = fill(template, tmp_path / "周五.xlsx", quantity="4")
    upload(browser, fixed, "upload-import")
    summary = browser.find_element(By.ID, "upload-summary")
    assert summary.get_attribute("data-dry-run") == "false"
    assert "合同登记 1" in summary.text
    assert "发货 2" in summary.text
    assert "已存在（未重复追加）: 0" in summary.text
    assert browser.find_element(By.ID, "problems").text == "没有问题"
    shot(browser, "upload-imported")
    assert ledger_units() == ["U71", "U72"]

    # A second upload appends nothing: the page says they were already there.
    upload(browser, fixed, "upload-import")
    summary = browser.find_element(By.ID, "upload-summary")
    assert "已追加: 0" in summary.text
    assert "已存在（未重复追加）: 3" in summary.text
    shot(browser, "upload-again")
    assert ledger_units() == ["U71", "U72"]
    assert errors(browser) == []
