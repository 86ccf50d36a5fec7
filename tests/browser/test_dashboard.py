"""The web dashboard in headless Chromium against a real ``ai-trader run`` (SPEC API-5).

One service for the module; the tests run in file order, as one operator's session would:
sign in, watch equity and positions (the curve growing over the websocket), change the
mode through a control that asks for a token and a confirmation, halt, close everything,
then look at it on a phone. Screenshots land in ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.acceptance.conftest import cli_environment
from tests.browser.conftest import PHONE, ConsoleErrors, new_context, save_screenshot
from tests.support.running_service import CLI, RunningService, running_service, wait_for

pytestmark = [pytest.mark.acceptance, pytest.mark.slow]

SYMBOL = "SYN/USD"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    directory = tmp_path_factory.mktemp("dashboard")
    with running_service(directory, cli_environment()) as running:
        yield running


@pytest.fixture(scope="module")
def viewer_token(service: RunningService) -> str:
    created = subprocess.run(
        [str(CLI), "token", "create", "--name", "watcher", "--role", "viewer"],
        cwd=service.directory,
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_environment(),
        check=True,
    )
    return created.stdout.splitlines()[0].strip()


def open_dashboard(page: Page, service: RunningService) -> None:
    page.goto(f"{service.url}/#token={service.token}")
    expect(page.locator("#board")).to_be_visible()


def confirm_with(page: Page, reason: str, token: str) -> None:
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    page.fill("#confirm-reason", reason)
    page.fill("#confirm-token", token)
    page.click("#confirm-submit")


def test_new_user_gets_a_sign_in_link_and_the_page_is_served(service: RunningService) -> None:
    with service.client() as client:
        page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "/dashboard/assets/dashboard.js" in page.text


def test_sign_in_refuses_a_bad_token_then_accepts_a_good_one(
    page: Page, service: RunningService, console_errors: ConsoleErrors
) -> None:
    page.goto(service.url)
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#signin-token", "ait_not-a-real-token")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-error")).to_contain_text("invalid or revoked token")
    page.fill("#signin-token", service.token)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#board")).to_be_visible()
    expect(page.locator("#mode")).to_have_text(re.compile(r"\w+"))
    assert [e for e in console_errors if "401" not in e] == []


def test_equity_positions_and_the_live_curve(
    page: Page, service: RunningService, console_errors: ConsoleErrors
) -> None:
    with service.client() as client:
        assert client.post("/mode", json={"mode": "manual", "reason": "hands on"}).is_success
        opened = client.post("/trading/open", json={"symbol": SYMBOL, "side": "buy", "quantity": 1})
        assert opened.is_success, opened.text
    wait_for(lambda: service.get("/status")["portfolio"]["positions"], what="the position opens")

    open_dashboard(page, service)
    assert page.url == f"{service.url}/", "the token must not stay in the address bar"
    expect(page.locator("#equity")).to_have_text(re.compile(r"^\d{2,3},\d{3}\.\d{2}$"))
    expect(page.locator("#positions tbody tr").first).to_contain_text(SYMBOL)
    expect(page.locator("#fills tbody tr").first).to_contain_text(SYMBOL)
    expect(page.locator("#slos tbody tr")).to_have_count(4)
    expect(page.locator("#mode")).to_have_text("manual")
    expect(page.locator("#connection-text")).to_have_text("live")

    chart = page.locator("#equity-chart")
    before = int(chart.get_attribute("data-points") or 0)
    # Bars every 0.05 s reach the page over the websocket long before the 5 s poll.
    # (A polled attribute, not wait_for_function: the page's CSP forbids evaluated strings.)
    wait_for(
        lambda: int(chart.get_attribute("data-points") or 0) > before + 5,
        timeout=3,
        what="the curve grows from websocket messages",
    )
    assert page.locator("#equity-chart path.line").get_attribute("d")
    save_screenshot(page, "dashboard-laptop")
    assert console_errors == []


def test_mode_control_asks_for_a_token_and_confirms(
    page: Page, service: RunningService, viewer_token: str, console_errors: ConsoleErrors
) -> None:
    open_dashboard(page, service)
    page.click("#open-mode")
    page.select_option("#confirm-mode", "paper")
    save_screenshot(page, "dashboard-confirm", full_page=False)

    confirm_with(page, "back to paper", "ait_wrong")
    expect(page.locator("#confirm-error")).to_contain_text("invalid or revoked token")
    confirm_with(page, "back to paper", viewer_token)
    expect(page.locator("#confirm-error")).to_contain_text("may not do this")
    assert service.get("/mode")["mode"] == "manual", "a refused control must change nothing"

    confirm_with(page, "back to paper", service.token)
    expect(page.locator("#confirm")).to_be_hidden()
    expect(page.locator("#mode")).to_have_text("paper")
    assert service.get("/mode")["mode"] == "paper"
    assert [e for e in console_errors if not re.search(r"40[13]", e)] == []


def test_cancel_changes_nothing(page: Page, service: RunningService) -> None:
    open_dashboard(page, service)
    page.click("#open-halt")
    page.fill("#confirm-reason", "changed my mind")
    page.click("#confirm-cancel")
    expect(page.locator("#confirm")).to_be_hidden()
    assert service.get("/mode")["halted"] is False


def test_halt_then_close_all(
    page: Page, service: RunningService, console_errors: ConsoleErrors
) -> None:
    open_dashboard(page, service)
    page.click("#open-halt")
    confirm_with(page, "dashboard drill", service.token)
    expect(page.locator("#mode")).to_have_text("halt")
    expect(page.locator("#halt-reason")).to_contain_text("dashboard drill")
    assert service.get("/mode")["halted"] is True

    page.click("#open-close-all")
    confirm_with(page, "flatten for the drill", service.token)
    expect(page.locator("#toast")).to_contain_text("closing orders sent")
    wait_for(lambda: not service.get("/status")["portfolio"]["positions"], what="positions flatten")
    expect(page.locator("#positions tbody")).to_contain_text("flat", timeout=10_000)
    save_screenshot(page, "dashboard-halted")
    assert console_errors == []


def test_phone_layout_fits_the_screen(
    browser: Browser, service: RunningService, console_errors: ConsoleErrors
) -> None:
    context = new_context(browser, PHONE, phone=True)
    try:
        page = context.new_page()
        console_errors.watch(page)
        open_dashboard(page, service)
        expect(page.locator("#equity")).to_have_text(re.compile(r"\d"))
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
        for control in ("#open-mode", "#open-halt", "#open-close-all"):
            expect(page.locator(control)).to_be_in_viewport()
        save_screenshot(page, "dashboard-phone")
    finally:
        context.close()
    assert console_errors == []


def test_latest_backtest_report_downloads_from_the_dashboard(
    page: Page, service: RunningService, console_errors: ConsoleErrors
) -> None:
    open_dashboard(page, service)
    expect(page.locator("#report-status")).to_contain_text("none yet")
    with service.client() as client:
        made = client.post("/paper/backtest", json={"bars": 3000, "report": True})
    assert made.status_code == 200, made.text
    page.reload()
    expect(page.locator("#report-download")).to_be_visible()
    with page.expect_download() as download:
        page.click("#report-download")
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved == made.text, "the dashboard hands over the report the service made"
    assert console_errors == []


def test_operator_actions_from_the_dashboard_are_audited(service: RunningService) -> None:
    journal = (Path(service.directory) / "audit_logs" / "audit.jsonl").read_text()
    assert "back to paper" in journal
    assert "dashboard drill" in journal
    assert "flatten for the drill" in journal
