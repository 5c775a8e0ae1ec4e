"""The service centre's console in a real browser (issue 12): the five
services as real processes (today pinned) and the console forwarding to them;
headless Chromium (Debian's `chromium` and `chromium-driver`) walks the
issue's path with a key per role: a visitor signs in, opens the worklist,
records a dissatisfied visit through the questionnaire's form (a missing
field is named next to it first) and sees the complaint; the production
department's handler assigns and resolves the ticket; the visitor finds the
re-visit in the worklist and records it satisfied; the ticket shows
verified. Screenshots of each page go to tests/browser/artifacts/."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.kit.settings import Settings
from tests.support import auth
from tests.support.browser import chromium
from tests.support.factories import contract, powered_on, shipped
from tests.support.processes import (
    SERVICES,
    eventually,
    free_port,
    running_services,
    wait_ready,
)

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).parent / "artifacts"
# Today pinned for every service; the scheduler's background tick an hour away.
PINNED = {"FOLLOWUP_CLOCK_DATE": "2026-11-30", "FOLLOWUP_TICK_INTERVAL_S": "3600"}

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def deployment(settings: Settings, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The five services and the console; yields name -> base URL."""
    with running_services(settings, tmp_path, extra_env=PINNED) as urls:
        port = free_port()
        env = {
            **os.environ,
            "FOLLOWUP_HTTP_PORT": str(port),
            **{f"FOLLOWUP_CONSOLE_{name.upper()}_URL": urls[name] for name in SERVICES},
        }
        log = (tmp_path / "console.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.console"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            console = f"http://127.0.0.1:{port}"
            wait_ready("console", console, proc, tmp_path)
            yield {**urls, "console": console}
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    with chromium(1400, 1800) as driver:
        yield driver


def ready(driver: webdriver.Chrome, page: str | None = None) -> None:
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return window.consoleApp && window.consoleApp.ready"
            " && (arguments[0] === null || window.consoleApp.page === arguments[0])",
            page,
        )
    )


def go(driver: webdriver.Chrome, base: str, hash_: str, page: str) -> None:
    driver.get(f"{base}/#{hash_}")
    ready(driver, page)


def sign_in(driver: webdriver.Chrome, base: str, key: str) -> None:
    driver.get(f"{base}/")
    ready(driver)
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{base}/")
    ready(driver, "signin")
    driver.find_element(By.ID, "key").send_keys(key)
    driver.find_element(By.ID, "signin-go").click()
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return window.consoleApp.ready && window.consoleApp.page !== 'signin'"
        )
    )


def shot(driver: webdriver.Chrome, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"console-{name}.png"))


def visit_row(driver: webdriver.Chrome, base: str, kind: str) -> WebElement:
    """The worklist's row of the customer's visit of `kind` (reloaded until
    the scheduler has planned it)."""

    def find() -> WebElement | None:
        go(driver, base, "worklist", "worklist")
        rows = driver.find_elements(By.CSS_SELECTOR, f"tr[data-kind={kind}]")
        return rows[0] if rows else None

    found: WebElement = eventually(find, timeout_s=60, interval_s=1)
    return found


def pick(form: WebElement, field: str, value: Any) -> None:
    """Click the radio of `value` in the form's field."""
    box = form.find_element(By.CSS_SELECTOR, f'[data-field="{field}"]')
    box.find_element(By.CSS_SELECTOR, f"input[value='{_json(value)}']").click()


def _json(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"'


def fill_questionnaire(
    driver: webdriver.Chrome, questionnaire: dict[str, Any], product: str
) -> None:
    """Answer every required question without complaint, except the overall
    product rating."""
    form = driver.find_element(By.ID, "record-form")
    for q in questionnaire["questions"]:
        field = f"answers.{q['id']}" if q["stored_in"] == "answers" else q["id"]
        if q["answer_type"] == "rating":
            pick(form, field, product if q["id"] == "product_quality" else "satisfied")
        elif q["answer_type"] == "yes_no" and q["required"]:
            pick(form, field, not q.get("raised_by", True))
        elif q["answer_type"] == "choice" and q["required"]:
            pick(form, field, q["options"][0]["value"])


def record(
    driver: webdriver.Chrome,
    base: str,
    row: WebElement,
    *,
    questionnaire: dict[str, Any],
    product: str,
    name: str,
) -> tuple[str, list[str]]:
    """Record the row's visit through the form; its record number and the
    subjects of the complaints it raised."""
    row.find_element(By.CSS_SELECTOR, "a.record-link").click()
    ready(driver, "record")
    fill_questionnaire(driver, questionnaire, product)
    visitor = driver.find_element(By.CSS_SELECTOR, "#record-form [name=visitor]")
    visitor.clear()
    visitor.send_keys("赵敏")
    shot(driver, f"record-{name}")
    driver.find_element(By.ID, "record-submit").click()
    number = WebDriverWait(driver, 60).until(
        lambda d: d.find_elements(By.ID, "record-no")
    )[0]
    shot(driver, f"recorded-{name}")
    subjects = [
        str(c.get_attribute("data-subject"))
        for c in driver.find_elements(By.CSS_SELECTOR, "#complaints li.complaint")
        if c.get_attribute("data-form") == "complaint"
    ]
    return number.text, subjects


def ticket_row(driver: webdriver.Chrome, base: str, status: str) -> WebElement:
    def find() -> WebElement | None:
        go(driver, base, "tickets", "tickets")
        rows = driver.find_elements(
            By.CSS_SELECTOR, f"#tickets-table tr[data-status={status}]"
        )
        return rows[0] if rows else None

    found: WebElement = eventually(find, timeout_s=60, interval_s=1)
    return found


def errors(driver: webdriver.Chrome) -> list[dict[str, Any]]:
    """Script errors and server errors; answers 4xx are the walk's own (the
    sign-in probes answer 403/404/422 on purpose, the form's first try 422)."""
    logs: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return [
        e
        for e in logs
        if e["level"] == "SEVERE"
        and not (e.get("source") == "network" and "status of 4" in e["message"])
    ]


def test_the_issues_walk_through_the_console(
    settings: Settings, deployment: dict[str, str], browser: webdriver.Chrome
) -> None:
    base = deployment["console"]
    admin = httpx.Client(headers=auth.headers(settings), timeout=30)
    facts = [
        contract("C1", "K1"),
        shipped("C1", "K1", "U1", "2026-09-20"),
        powered_on("C1", "U1", "2026-10-15"),
    ]
    r = admin.post(f"{deployment['ledger']}/v1/events?wait=true", json=facts)
    assert r.status_code == 202, r.text
    visitor = auth.issue(settings, "visitor", owner="赵敏")
    handler = auth.issue(settings, "handler", department="production")

    # A visitor signs in and opens the worklist: the trial-run visit is there.
    sign_in(browser, base, visitor)
    assert browser.execute_script("return window.consoleApp.page") == "worklist"
    assert not browser.find_element(By.ID, "nav-upload").is_displayed()
    row = visit_row(browser, base, "trial_run")
    visit_id = str(row.get_attribute("data-visit"))
    assert "U1" in row.text
    assert browser.find_element(By.ID, "calendar").is_displayed()
    shot(browser, "worklist")

    # The survey learns of the visit from the log: wait until it knows it.
    survey = deployment["survey"]
    eventually(lambda: admin.get(f"{survey}/v1/visits/{visit_id}").status_code == 200)
    trial_run = admin.get(f"{survey}/v1/questionnaires/trial_run").json()

    # A failed attempt with its reason first: the visit stays open.
    row.find_element(By.CSS_SELECTOR, "a.record-link").click()
    ready(browser, "record")
    attempt = browser.find_element(By.ID, "attempt-form")
    attempt.find_element(By.NAME, "visitor").send_keys("赵敏")
    attempt.find_element(By.CSS_SELECTOR, "option[value=no_answer]").click()
    attempt.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#attempt-form .attempt-result").text
    )
    assert "1" in attempt.find_element(By.CSS_SELECTOR, ".attempt-result").text
    shot(browser, "attempt")
    assert admin.get(f"{survey}/v1/visits/{visit_id}/attempts").json()["count"] == 1

    # A missing answer is named next to its field (the API's 422).
    browser.find_element(By.ID, "record-submit").click()
    problem = WebDriverWait(browser, 30).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, '[data-field="visitor"] .field-error').text
        )
    )
    assert problem
    shot(browser, "record-422")

    # Recorded dissatisfied: the record number and the complaint.
    number, complaints = record(
        browser,
        base,
        visit_row(browser, base, "trial_run"),
        questionnaire=trial_run,
        product="dissatisfied",
        name="trial_run",
    )
    assert number.startswith("HF-2026-11-")
    assert complaints == ["product_quality"]

    # The production department's handler assigns and resolves the ticket.
    sign_in(browser, base, handler)
    assert browser.execute_script("return window.consoleApp.page") == "tickets"
    opened = ticket_row(browser, base, "open")
    ticket_id = str(opened.get_attribute("data-ticket"))
    shot(browser, "tickets")
    # A colleague assigns it meanwhile: the page's version is stale, and the
    # API's 409 is explained in words (the board is reloaded).
    r = admin.post(
        f"{deployment['feedback']}/v1/tickets/{ticket_id}/assign?wait=true",
        json={"assignee": "孙丽"},
        headers=auth.bearer(handler),
    )
    assert r.status_code == 200, r.text
    opened.find_element(By.CSS_SELECTOR, ".assign-form [name=assignee]").send_keys(
        "钱刚"
    )
    opened.find_element(By.CSS_SELECTOR, ".assign-form button").click()
    said = WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, "message").text
    )
    assert "已被他人修改" in said
    shot(browser, "tickets-409")
    assigned = ticket_row(browser, base, "assigned")
    assert assigned.get_attribute("data-ticket") == ticket_id
    assert "孙丽" in assigned.text
    assigned.find_element(By.CSS_SELECTOR, ".resolve-form [name=resolution]").send_keys(
        "更换继电器"
    )
    assigned.find_element(By.CSS_SELECTOR, ".resolve-form button").click()
    resolved = ticket_row(browser, base, "resolved")
    resolved.find_element(By.CSS_SELECTOR, ".history-link").click()
    WebDriverWait(browser, 30).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".history li")) >= 3
    )
    shot(browser, "ticket-history")

    # The visitor finds the re-visit and records it satisfied.
    sign_in(browser, base, visitor)
    revisit = visit_row(browser, base, "revisit")
    revisit_id = str(revisit.get_attribute("data-visit"))
    eventually(lambda: admin.get(f"{survey}/v1/visits/{revisit_id}").status_code == 200)
    questionnaire = admin.get(f"{survey}/v1/questionnaires/revisit").json()
    number, complaints = record(
        browser,
        base,
        revisit,
        questionnaire=questionnaire,
        product="satisfied",
        name="revisit",
    )
    assert complaints == []

    # The ticket shows verified (on the board and on the customer's page).
    verified = ticket_row(browser, base, "verified")
    assert verified.get_attribute("data-ticket") == ticket_id
    shot(browser, "tickets-verified")
    go(browser, base, "customer/C1", "customer")
    timeline = browser.find_element(By.ID, "timeline").text
    assert number in timeline
    assert ticket_id in timeline
    shot(browser, "customer")
    go(browser, base, "capas", "capas")
    shot(browser, "capas")

    # The English switch.
    browser.find_element(By.ID, "lang").click()
    ready(browser, "capas")
    assert browser.title == "Service centre"
    assert "lang=en" in browser.current_url
    assert errors(browser) == []
