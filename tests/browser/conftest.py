"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against
pytest-django's live server, on the real PostgreSQL test database."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "pep_portal/frontend/node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module. While Playwright's event loop runs, Django would refuse
    ORM calls from the test itself; allow them only for these modules, and never let the
    setting leak into other tests or the subprocesses they start."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: `make test` installs it"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def csp_refusals() -> list[str]:
    """What the browser refused under the Content-Security-Policy, as it told the console."""
    return []


@pytest.fixture
def page(browser, live_server, csp_refusals):  # type: ignore[no-untyped-def]
    """A page under the portal's real Content-Security-Policy (no bypass). Anything the policy
    blocks (an inline script or style, a script from elsewhere) fails the test that caused it."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)

    def watch(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            csp_refusals.append(message.text)

    page.on("console", watch)
    yield page
    context.close()
    assert csp_refusals == [], f"blocked by the Content-Security-Policy: {csp_refusals}"


def accessibility_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every WCAG 2.2 A/AA violation axe-core finds on the page, at every level of impact
    (minor and moderate as well as serious and critical). axe is run
    through the DevTools protocol (page.evaluate), which the page's CSP does not govern: the
    page itself keeps its strict policy."""
    assert AXE.exists(), "axe-core is missing: `make test` installs it with npm"
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                             'wcag22aa']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {json.dumps([n['target'] for n in v['nodes']])}"
        for v in result["violations"]
    ]


def sign_in(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in through the real pages: the password, then a backup code as the second factor."""
    from tests.second_factor import backup_code_for

    code = backup_code_for(email)
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if "/account/two-factor/verify/" in page.url:
        page.get_by_label("Security code").fill(code)
        page.get_by_role("button", name="Continue").click()


def follow_every_error_link_by_keyboard(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Tab from the error summary to each link in turn, press Enter, and say which box has
    focus: each must be the one the link names."""
    page.locator(".govuk-error-summary").wait_for()
    links = page.locator(".govuk-error-summary a")
    targets = [href.lstrip("#") for href in links.evaluate_all("as => as.map(a => a.hash)")]
    assert targets, "no error links"
    for n, target in enumerate(targets):
        # Back where the page put focus on load (GOV.UK Frontend drops the summary's tabindex
        # once focus leaves it); from there, the keyboard only.
        page.locator(".govuk-error-summary").evaluate(
            "e => { e.setAttribute('tabindex', '-1'); e.focus(); }"
        )
        for _ in range(n + 1):
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.hash") == f"#{target}"
        page.keyboard.press("Enter")
        focused = page.evaluate("document.activeElement.id")
        assert focused == target, f"the link to {target} left focus on {focused!r}"
    return targets
