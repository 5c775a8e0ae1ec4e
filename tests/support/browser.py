"""Headless Chromium for the browser tests and the dashboard benchmark:
Debian's `chromium` and `chromium-driver` (installed by `make browser`),
driven by Selenium. Missing, the run is broken: callers fail, never skip."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService

CHROMIUM = shutil.which("chromium")
DRIVER = shutil.which("chromedriver")


@contextmanager
def chromium(width: int = 1400, height: int = 1800) -> Iterator[webdriver.Chrome]:
    """A headless Chromium keeping its console log, closed at the end."""
    assert CHROMIUM, "chromium: run `make browser`"
    assert DRIVER, "chromedriver: run `make browser`"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=DriverService(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
