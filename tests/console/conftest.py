"""A real headless Chromium (Debian's) driven by Playwright against an in-process Fogbank.

Every page a test opens is watched: a request to anything but this Fogbank fails the test,
since the console must work offline. Screenshots land in tests/console/screenshots/.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fogbank.console.assets import build_dir

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
CONSOLE_SRC = Path(__file__).resolve().parents[2] / "console"


def _ensure_built() -> None:
    """``make setup`` builds the console; a bare ``pytest`` run builds it here if it is missing."""
    if (build_dir() / "index.html").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The console is not built and npm is missing: run `make setup`.")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CONSOLE_SRC, check=True)
    subprocess.run([npm, "run", "build"], cwd=CONSOLE_SRC, check=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh")
    _ensure_built()
    # Database launches wait for the engine; assertions get the same patience as actions.
    playwright_api.expect.set_options(timeout=20_000)
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


class ConsolePage:
    """A browser tab on the console, recording every URL it requests and every script error."""

    def __init__(self, page: Any, endpoint: str, name: str) -> None:
        self.page = page
        self.endpoint = endpoint
        self.name = name
        self.external: list[str] = []
        self.errors: list[str] = []
        self.shots = 0
        page.on("request", self._request)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _request(self, request: Any) -> None:
        url = request.url
        local = url.startswith(self.endpoint) or url.startswith(("data:", "blob:", "about:"))
        if not local:
            self.external.append(url)

    def open(self, route: str) -> None:
        self.page.goto(f"{self.endpoint}/console/#{route}")

    def shot(self, label: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.shots += 1
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{self.shots:02d}-{label}.png"), full_page=True)


@pytest.fixture
def console(browser: Any, fogbank_endpoint: str, request: pytest.FixtureRequest) -> Iterator[ConsolePage]:
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    context.set_default_timeout(20_000)
    page = context.new_page()
    wrapper = ConsolePage(page, fogbank_endpoint, request.node.name.removeprefix("test_"))
    yield wrapper
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        wrapper.shot("failure")
    context.close()
    assert not wrapper.external, f"the console requested non-local URLs: {wrapper.external}"
    assert not wrapper.errors, f"script errors on the page: {wrapper.errors}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
