"""Headless Chromium for end-to-end tests: Debian's ``chromium`` package (installed by
``scripts/install_chromium``), driven by Playwright through ``executable_path`` — never a
browser Playwright downloads. Screenshots go to ``test-artifacts/screenshots/``.

A missing Chromium skips these tests on a developer machine and FAILS them under
``CI=true``, like the other real components.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Without the background-networking flags Chromium keeps calling home, which a closed
# network refuses many times a second.
LAUNCH_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def new_context(
    browser: Browser, viewport: ViewportSize, *, offline: bool = False, phone: bool = False
) -> BrowserContext:
    """Pages format numbers and times for their reader: the tests read them as en-US, UTC."""
    return browser.new_context(
        viewport=viewport,
        locale="en-US",
        timezone_id="UTC",
        offline=offline,
        is_mobile=phone,
        has_touch=phone,
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module, not per session: Playwright's sync API keeps an event loop marked as
    running on this thread while it is started, which would break every later test that
    calls ``asyncio.run``."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"no Chromium at {CHROMIUM} (scripts/install_chromium installs it)"
        if _in_ci():
            pytest.fail(f"{message}: CI requires it", pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_FLAGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class ConsoleErrors(list[str]):
    """Errors the page logged or threw: a test asserts this stays empty."""

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: self.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.append(str(e)))


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


def _page(
    context: BrowserContext, console_errors: ConsoleErrors, request: pytest.FixtureRequest
) -> Iterator[Page]:
    page = context.new_page()
    console_errors.watch(page)
    try:
        yield page
    finally:
        if getattr(request.node, "rep_call_failed", False):
            save_screenshot(page, f"FAILED-{request.node.name}")
        context.close()


@pytest.fixture
def page(
    browser: Browser, console_errors: ConsoleErrors, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh laptop-sized page; a failing test leaves a screenshot of it."""
    yield from _page(new_context(browser, LAPTOP), console_errors, request)


@pytest.fixture
def offline_page(
    browser: Browser, console_errors: ConsoleErrors, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A page with no network at all: only ``file://`` loads are let through."""
    context = new_context(browser, LAPTOP, offline=True)

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    context.route("**/*", only_files)
    yield from _page(context, console_errors, request)


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if call.when == "call" and getattr(report, "failed", False):
        item.rep_call_failed = True  # type: ignore[attr-defined]
    return report
