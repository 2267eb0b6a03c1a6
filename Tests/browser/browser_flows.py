#!/usr/bin/env python3
"""Real-browser end-to-end flows: headless Chromium (selenium, the system chromedriver) signs in
to the Hummingbird example app through the `oauth-harness serve` mocks, and through the login
pages of `login-pages-oidc`.

The servers are started by run.sh; this script only drives the browser. The app is browsed at
http://127.0.0.1:PORT and the mocks at http://localhost:PORT, so every callback is a cross-site
navigation (a site ignores the port; 127.0.0.1 and localhost are different sites).

Usage (see run.sh, which passes these):
  browser_flows.py --app URL --login-app URL --login-pages-mock URL [--reports DIR]
                   [--force-fail FLOW[:STEP]] [--deadline SECONDS] [--only FLOW ...]

On a failed step it saves REPORTS/browser/<flow>-<step>.png and .html, prints the step and why,
goes on with the other flows and exits 1. It always writes REPORTS/browser-junit.xml (one
testcase per flow; client secrets, codes, tokens and cookie values redacted).
BROWSER_FORCE_FAIL=FLOW[:STEP] (or --force-fail) makes one step of that flow expect a text that
is not there, so CI can check that a failure leaves a screenshot.
"""
import argparse
import hashlib
import http.server
import json
import os
import re
import secrets
import shutil
import socketserver
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import xml.etree.ElementTree as ET

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT = 15  # every explicit wait, the page-load and script timeouts (seconds)
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SESSION_COOKIE = "oauth_session"  # HummingbirdOAuth.sessionCookie
# Client secrets of the mocks' clients (ExampleSupport.mockSettings, login-pages-oidc.yaml): never printed.
KNOWN_SECRETS = [
    "github-style-secret",
    "harness-consumer-secret",
    "harness-rp-secret-at-least-32-bytes-long",
    "alice-login-password",
]
LOGIN_PAGES_USER = ("alice", "alice-login-password", "Alice Example")  # login-pages-oidc.yaml
SECRET_PARAMS = (
    "code|state|nonce|access_token|refresh_token|id_token|id_token_hint|oauth_token|oauth_verifier|oauth_token_secret"
    "|client_secret|csrf_token|code_verifier|code_challenge|password|session_state"
)
FORCED_TEXT = "this text is not on the page (BROWSER_FORCE_FAIL)"


def redact(text):
    """Client secrets, OAuth values in URLs/forms, tokens and cookie values out of any message."""
    text = str(text)
    for value in KNOWN_SECRETS + sorted(Redactions.extra, key=len, reverse=True):
        if value:
            text = text.replace(value, "[redacted]")
    text = re.sub(r"(?i)\b(" + SECRET_PARAMS + r")=([^&\s\"'<>#,]+)", r"\1=[redacted]", text)
    text = re.sub(r"(?i)(\"(?:" + SECRET_PARAMS + r")\"\s*:\s*)\"[^\"]*\"", r'\1"[redacted]"', text)
    text = re.sub(r"(?i)(name=\"(?:" + SECRET_PARAMS + r")\" value=)\"[^\"]*\"", r'\1"[redacted]"', text)
    text = re.sub(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", r"\1 [redacted]", text)
    text = re.sub(r"\b(oauth_session|mock_session)=[^;\s\"']+", r"\1=[redacted]", text)
    return text


class Redactions:
    extra = set()  # values seen at run time (cookie values, states): also redacted


def fingerprint(value):
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:12] if value else "-"


def log(message):
    print(redact(message), flush=True)


class StepFailed(Exception):
    pass


class CallbackCatcher:
    """A redirect_uri for hand-built authorization URLs: 127.0.0.1, an ephemeral port, any path."""

    def __init__(self):
        catcher = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                catcher.hits.append(self.path)
                body = b"<!doctype html><title>callback</title><p id=callback>callback received</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.hits = []
        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/callback" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Flow:
    """One flow: a fresh browser (fresh temp profile), named steps, evidence on failure."""

    def __init__(self, name, options, forced_default="signed-in"):
        self.name = name
        self.options = options
        self.step_name = "start"
        self.steps = []
        self.notes = []
        self.warnings = []
        self.failure = None  # (step, reason)
        self.artifacts = []
        self.driver = None
        self.profile_dir = None
        force = options.force_fail or ""
        flow, _, step = force.partition(":")
        self.forced_step = (step or forced_default) if flow == name else None

    # -- the browser
    def start_browser(self):
        self.profile_dir = tempfile.mkdtemp(prefix="browser-flow-%s-" % self.name)
        chrome = webdriver.ChromeOptions()
        chrome.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--user-data-dir=" + self.profile_dir,
            "--window-size=1024,768",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-features=Translate,OptimizationHints,MediaRouter",
            "--metrics-recording-only",
            "--password-store=basic",
        ):
            chrome.add_argument(argument)
        chrome.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        chrome.page_load_strategy = "normal"
        # The system chromedriver, explicitly: selenium-manager never runs (no network).
        try:
            service = Service(executable_path=CHROMEDRIVER, log_output=os.path.join(self.profile_dir, "chromedriver.log"))
        except TypeError:  # selenium < 4.11 (Debian's python3-selenium 4.8)
            service = Service(executable_path=CHROMEDRIVER)
        self.driver = webdriver.Chrome(service=service, options=chrome)
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)
        self.driver.implicitly_wait(0)  # explicit waits only, each at most WAIT seconds
        self.driver.execute_cdp_cmd("Network.enable", {})

    def close(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:
                pass
        if self.profile_dir:
            shutil.rmtree(self.profile_dir, ignore_errors=True)

    # -- steps
    def step(self, name):
        flow = self

        class Step:
            def __enter__(self):
                flow.options.check_deadline()
                flow.step_name = name
                self.started = time.monotonic()

            def __exit__(self, kind, error, tb):
                if error is None and flow.forced_step == name:
                    # BROWSER_FORCE_FAIL: at the end of the step, expect a text that is not there.
                    flow.forced_step = None
                    try:
                        WebDriverWait(flow.driver, 2, poll_frequency=0.1).until(lambda d: FORCED_TEXT in flow.body_text())
                    except TimeoutException:
                        kind = StepFailed
                        error = StepFailed(
                            "expected the page to show %r (forced failure); at %s it shows %r"
                            % (FORCED_TEXT, flow.driver.current_url, flow.body_text()[:200])
                        )
                elapsed = time.monotonic() - self.started
                if error is None:
                    flow.steps.append((name, elapsed))
                    log("  ok   %-8.2fs %s / %s" % (elapsed, flow.name, name))
                    return False
                if isinstance(error, (StepFailed, TimeoutException, WebDriverException, AssertionError, KeyError, ValueError)):
                    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                    if isinstance(error, TimeoutException):
                        reason = "timed out after %ds: %s" % (WAIT, reason or "waiting")
                else:
                    reason = "%s: %s" % (type(error).__name__, error)
                    traceback.print_exception(kind, error, tb)
                flow.fail(name, reason)
                raise StepFailed(reason) from None

        return Step()

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)
            self.notes.append(message)
            log("  WARN %s / %s: %s" % (self.name, self.step_name, message))

    def fail(self, step, reason):
        self.failure = (step, redact(reason))
        log("  FAIL %s / %s: %s" % (self.name, step, reason))
        self.save_evidence(step)

    def save_evidence(self, step):
        if self.driver is None:
            return
        folder = os.path.join(self.options.reports, "browser")
        os.makedirs(folder, exist_ok=True)
        base = os.path.join(folder, "%s-%s" % (self.name, re.sub(r"[^A-Za-z0-9_.-]", "_", step)))
        try:
            if self.driver.save_screenshot(base + ".png"):
                self.artifacts.append(base + ".png")
        except Exception as error:
            log("  (no screenshot: %s)" % error)
        try:
            source = "<!-- %s -->\n%s" % (redact(self.driver.current_url), redact(self.driver.page_source))
            with open(base + ".html", "w", encoding="utf-8") as file:
                file.write(source)
            self.artifacts.append(base + ".html")
        except Exception as error:
            log("  (no page source: %s)" % error)
        for path in self.artifacts:
            log("  evidence: %s" % path)

    # -- page helpers (all bounded by WAIT)
    def wait(self, condition, what):
        try:
            return WebDriverWait(self.driver, WAIT, poll_frequency=0.1).until(lambda d: condition(d))
        except TimeoutException:
            raise StepFailed("timed out after %ds waiting for %s (at %s)" % (WAIT, what, self.driver.current_url)) from None

    def body_text(self):
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return ""

    def expect_text(self, text):
        """Waits until the page shows `text`."""
        try:
            WebDriverWait(self.driver, WAIT, poll_frequency=0.1).until(lambda d: text in self.body_text())
        except TimeoutException:
            raise StepFailed(
                "expected the page to show %r; at %s it shows %r" % (text, self.driver.current_url, self.body_text()[:300])
            ) from None
        return self.body_text()

    def expect_url(self, prefix):
        self.wait(lambda d: d.current_url.startswith(prefix), "the browser at %s (it is at %s)" % (prefix, self.driver.current_url))
        return self.driver.current_url

    def click_link(self, text):
        link = self.wait(lambda d: (d.find_elements(By.LINK_TEXT, text) or [None])[0], "a link %r" % text)
        link.click()

    def click_button(self, name, value=None, text=None):
        def find(driver):
            for button in driver.find_elements(By.TAG_NAME, "button"):
                if value is not None and button.get_attribute("value") != value:
                    continue
                if name is not None and button.get_attribute("name") != name:
                    continue
                if text is not None and button.text.strip() != text:
                    continue
                return button
            return None

        button = self.wait(find, "a button %s" % (text or "%s=%s" % (name, value)))
        button.click()

    def fill(self, field, value):
        element = self.wait(lambda d: (d.find_elements(By.NAME, field) or [None])[0], "a field %r" % field)
        element.clear()
        element.send_keys(value)

    # -- cookies and the network log
    def all_cookies(self):
        return self.driver.execute_cdp_cmd("Network.getAllCookies", {}).get("cookies", [])

    def app_cookie(self, app_url):
        host = urllib.parse.urlsplit(app_url).hostname
        found = [c for c in self.all_cookies() if c.get("name") == SESSION_COOKIE and c.get("domain") == host]
        if found:
            Redactions.extra.add(found[0]["value"])
        return found[0] if found else None

    def performance_log(self):
        entries = []
        for entry in self.driver.get_log("performance"):
            try:
                entries.append(json.loads(entry["message"])["message"])
            except (KeyError, ValueError):
                pass
        return entries


def describe_cookie(cookie):
    if cookie is None:
        return "absent"
    return "%s value=%s domain=%s path=%s HttpOnly=%s Secure=%s SameSite=%s session=%s" % (
        cookie["name"],
        fingerprint(cookie["value"]),
        cookie.get("domain"),
        cookie.get("path"),
        cookie.get("httpOnly"),
        cookie.get("secure"),
        cookie.get("sameSite", "(unset)"),
        cookie.get("session"),
    )


def callback_request_evidence(flow, network, app_url, path):
    """What the browser sent on the navigation to the app's `path` (the callback): Sec-Fetch-Site,
    whether the session cookie went along, and any cookie Chromium blocked and why."""
    requests = {}
    for message in network:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if url.startswith(app_url + path):
                requests[params["requestId"]] = {"url": url, "initiator_redirect": bool(params.get("redirectResponse"))}
    for message in network:
        method, params = message.get("method"), message.get("params", {})
        if method == "Network.requestWillBeSentExtraInfo" and params.get("requestId") in requests:
            info = requests[params["requestId"]]
            headers = {k.lower(): v for k, v in params.get("headers", {}).items()}
            info["sec_fetch_site"] = headers.get("sec-fetch-site")
            info["cookie_sent"] = SESSION_COOKIE + "=" in headers.get("cookie", "")
            info["blocked"] = [
                "%s: %s" % (c.get("cookie", {}).get("name"), ",".join(c.get("blockedReasons", [])))
                for c in params.get("associatedCookies", [])
                if c.get("blockedReasons")
            ]
    done = [r for r in requests.values() if "sec_fetch_site" in r]
    return done[-1] if done else None


# ---------------------------------------------------------------------------------------------
# The flows


def app_flow(flow, app_url, provider, approve):
    """home → Sign in with X → the mock's page(s) → home signed in → Call the API → Sign out."""
    driver = flow.driver
    with flow.step("home"):
        driver.get(app_url + "/")
        flow.expect_text("Not signed in")
        flow.notes.append("before sign-in: %s cookie %s" % (SESSION_COOKIE, describe_cookie(flow.app_cookie(app_url))))
    with flow.step("click-sign-in"):
        flow.click_link("Sign in with " + provider)
        flow.wait(lambda d: not d.current_url.startswith(app_url), "the browser to leave the app for the provider")
        provider_url = driver.current_url
        provider_site = urllib.parse.urlsplit(provider_url).hostname
        app_site = urllib.parse.urlsplit(app_url).hostname
        assert provider_site != app_site, "the provider (%s) is the same site as the app (%s)" % (provider_site, app_site)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(provider_url).query)
        redirect_uri = (query.get("redirect_uri") or [""])[0]
        if redirect_uri:
            flow.notes.append("redirect_uri the app sent: %s" % redirect_uri)
            assert redirect_uri.startswith(app_url + "/callback"), "redirect_uri %s is not the app's %s/callback" % (redirect_uri, app_url)
        before = flow.app_cookie(app_url)
        assert before is not None, "no %s cookie for %s after /login/%s" % (SESSION_COOKIE, app_site, provider)
        flow.notes.append("at the provider (%s), before approving: %s" % (provider_site, describe_cookie(before)))
    approve(flow)
    with flow.step("signed-in"):
        flow.expect_url(app_url + "/")
        text = flow.expect_text("Signed in as")
        assert ("with %s" % provider) in text, "home page says %r, not '… with %s'" % (text, provider)
        after = flow.app_cookie(app_url)
        assert after is not None, "the %s cookie is gone after the callback" % SESSION_COOKIE
        flow.notes.append("after the callback: %s" % describe_cookie(after))
        assert after["value"] == before["value"], "the session cookie changed across the callback"
        evidence = callback_request_evidence(flow, flow.performance_log(), app_url, "/callback")
        assert evidence is not None, "no /callback request in the browser's network log"
        flow.notes.append(
            "callback request: Sec-Fetch-Site=%s, %s cookie sent=%s, blocked cookies=%s"
            % (evidence.get("sec_fetch_site"), SESSION_COOKIE, evidence.get("cookie_sent"), evidence.get("blocked") or "none")
        )
        assert evidence.get("sec_fetch_site") == "cross-site", "the callback was not cross-site: Sec-Fetch-Site=%s" % evidence.get(
            "sec_fetch_site"
        )
        assert evidence.get("cookie_sent"), "the browser did not send %s on the cross-site callback (blocked: %s)" % (
            SESSION_COOKIE,
            evidence.get("blocked"),
        )
        flow.notes.append("home: %s" % text.split(".")[0])
    with flow.step("call-api"):
        flow.click_link("Call the API")
        flow.expect_url(app_url + "/api")
        raw = driver.find_element(By.TAG_NAME, "body").text
        try:
            answer = json.loads(raw)
        except ValueError:
            raise StepFailed("/api did not answer JSON: %r" % raw[:200]) from None
        assert isinstance(answer, dict) and answer, "/api answered %r" % raw[:200]
        assert "error" not in answer, "the provider's API answered an error: %s" % redact(raw[:300])
        assert any(key in answer for key in ("sub", "id", "name")), "/api answered no sub, id or name: %r" % sorted(answer)
        flow.notes.append("API JSON keys: %s" % ", ".join(sorted(answer)[:8]))
    with flow.step("sign-out"):
        driver.back()
        flow.expect_text("Signed in as")
        flow.click_link("Sign out")
        flow.expect_text("Signed out.")
        flow.expect_url(app_url + "/logged-out")
    with flow.step("signed-out-home"):
        driver.get(app_url + "/")  # the "Signed out." page has no link home
        flow.expect_text("Not signed in")


def approve_on_consent_page(flow):
    with flow.step("consent"):
        flow.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "button[name=decision][value=approve]"), "the consent page's Approve button")
        selects = flow.driver.find_elements(By.NAME, "user")
        if selects:
            flow.notes.append("consent page: signs in as %r" % selects[0].find_elements(By.TAG_NAME, "option")[0].text)
        flow.click_button("decision", "approve")


def submit_username(flow, username):
    """Fills the identifier page and clicks Next (a real click)."""
    flow.fill("username", username)
    field = flow.driver.find_element(By.NAME, "username")
    message = flow.driver.execute_script("return arguments[0].checkValidity() ? '' : arguments[0].validationMessage", field)
    if message:
        # A real browser does not submit a form whose fields fail validation (an <input
        # type="email"> once refused the profile's username "alice" here): scripted HTTP
        # clients never notice, so this check is the browser's own.
        raise StepFailed(
            "the browser refuses to submit username %r on the identifier page: <input type=%r> says %r"
            % (username, field.get_attribute("type"), message)
        )
    flow.click_button(None, text="Next")


def login_pages_sign_in(flow, wrong_password_first=False):
    """The identifier-first login of login-pages-oidc: username, password, then consent."""
    username, password, _ = LOGIN_PAGES_USER
    with flow.step("login-username"):
        flow.expect_text("Sign in to login-pages-oidc")
        submit_username(flow, username)
    if wrong_password_first:
        with flow.step("login-wrong-password"):
            flow.expect_text("Welcome, " + username)
            flow.fill("password", "not-the-password")
            flow.click_button(None, text="Sign in")
            flow.expect_text("Wrong username or password.")
            submit_username(flow, username)
    with flow.step("login-password"):
        flow.expect_text("Welcome, " + username)
        flow.fill("password", password)
        flow.click_button(None, text="Sign in")
    with flow.step("login-consent-page"):
        flow.expect_text("asks for access")


def approve_login_pages(flow):
    login_pages_sign_in(flow, wrong_password_first=True)
    with flow.step("login-allow"):
        flow.click_button("decision", "approve", "Allow access")


def direct_login_pages_flow(flow, mock_url, catcher, decision):
    """A hand-built authorization request to login-pages-oidc for client harness-rp (its
    redirect_uri is http://127.0.0.1:8400/callback: a loopback IP, so any port matches)."""
    state = secrets.token_urlsafe(16)
    Redactions.extra.add(state)
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": "harness-rp",
            "redirect_uri": catcher.url,
            "scope": "openid profile email",
            "state": state,
            "nonce": secrets.token_urlsafe(16),
        }
    )
    with flow.step("authorize"):
        flow.driver.get(mock_url + "/oidc/authorize?" + query)
    login_pages_sign_in(flow)
    with flow.step("approve" if decision == "approve" else "deny"):
        if decision == "approve":
            flow.click_button("decision", "approve", "Allow access")
        else:
            flow.click_button("decision", "deny", "Cancel")
        flow.expect_text("callback received")
        url = flow.expect_url(catcher.url)
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert params.get("state") == [state], "state is %s, not the one sent" % ("missing" if "state" not in params else "different")
        if decision == "approve":
            assert params.get("code", [""])[0], "no code= on the redirect: %s" % url
            assert "error" not in params, "error on the redirect: %s" % url
            flow.notes.append("redirect_uri reached with code=[redacted], state matches, iss=%s" % params.get("iss", ["-"])[0])
        else:
            assert params.get("error") == ["access_denied"], "error is %s, not access_denied" % params.get("error")
            assert "code" not in params, "a code came back although the user denied"
            flow.notes.append("redirect_uri reached with error=access_denied, state matches")
    with flow.step("redirected"):
        flow.expect_text("callback received")  # the step the forced failure of this flow uses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", required=True, help="the example app (github, twitter, google), e.g. http://127.0.0.1:PORT")
    parser.add_argument("--login-app", required=True, help="the example app whose google is login-pages-oidc")
    parser.add_argument("--login-pages-mock", required=True, help="login-pages-oidc's base URL as the browser reaches it")
    parser.add_argument("--reports", default="reports")
    parser.add_argument("--force-fail", default=os.environ.get("BROWSER_FORCE_FAIL") or None, metavar="FLOW[:STEP]")
    parser.add_argument("--deadline", type=float, default=float(os.environ.get("BROWSER_DEADLINE", "300")), help="seconds for the whole run")
    parser.add_argument("--only", nargs="*", default=None)
    options = parser.parse_args()
    started = time.monotonic()

    def check_deadline():
        if time.monotonic() - started > options.deadline:
            raise StepFailed("the run's deadline of %ds passed" % options.deadline)

    options.check_deadline = check_deadline
    os.makedirs(os.path.join(options.reports, "browser"), exist_ok=True)
    catcher = CallbackCatcher()
    flows = [
        ("github", lambda f: app_flow(f, options.app, "github", approve_on_consent_page)),
        ("google", lambda f: app_flow(f, options.app, "google", approve_on_consent_page)),
        ("twitter", lambda f: app_flow(f, options.app, "twitter", approve_on_consent_page)),
        ("login-pages", lambda f: app_flow(f, options.login_app, "google", approve_login_pages)),
        ("login-pages-approve", lambda f: direct_login_pages_flow(f, options.login_pages_mock, catcher, "approve")),
        ("login-pages-deny", lambda f: direct_login_pages_flow(f, options.login_pages_mock, catcher, "deny")),
    ]
    if options.force_fail and options.force_fail.partition(":")[0] not in [name for name, _ in flows]:
        parser.error("--force-fail: no flow %r" % options.force_fail)
    results = []
    for name, body in flows:
        if options.only and name not in options.only:
            continue
        flow = Flow(name, options, "redirected" if name.startswith("login-pages-") else "signed-in")
        log("== %s%s" % (name, "  (forced failure at step %r)" % flow.forced_step if flow.forced_step else ""))
        begun = time.monotonic()
        try:
            with flow.step("start-browser"):
                flow.start_browser()
            body(flow)
            if flow.forced_step:
                # A misspelt step: a failure without a screenshot, so run.sh's forced check fails too.
                flow.failure = ("force-fail", "the forced failure's step %r is not a step of this flow" % flow.forced_step)
                log("  FAIL %s: %s" % (flow.name, flow.failure[1]))
        except StepFailed:
            pass
        except Exception as error:  # a bug in this script: still a failed flow with evidence
            traceback.print_exc()
            flow.fail(flow.step_name, "%s: %s" % (type(error).__name__, error))
        finally:
            flow.close()
        flow.duration = time.monotonic() - begun
        for note in flow.notes:
            log("  note: %s" % note)
        log("  %s %s in %.2fs" % ("FAILED" if flow.failure else "passed", name, flow.duration))
        results.append(flow)
    catcher.close()
    write_junit(os.path.join(options.reports, "browser-junit.xml"), results, time.monotonic() - started)
    failed = [f for f in results if f.failure]
    log(
        "browser flows: %d passed, %d failed in %.1fs%s"
        % (len(results) - len(failed), len(failed), time.monotonic() - started, "".join(" [%s at %s]" % (f.name, f.failure[0]) for f in failed))
    )
    for warning in sorted({w for f in results for w in f.warnings}):
        log("warning: %s (flows: %s)" % (warning, ", ".join(f.name for f in results if warning in f.warnings)))
    return 1 if failed else 0


def write_junit(path, flows, elapsed):
    suite = ET.Element(
        "testsuite",
        name="browser",
        tests=str(len(flows)),
        failures=str(sum(1 for f in flows if f.failure)),
        errors="0",
        skipped="0",
        time="%.3f" % elapsed,
    )
    for flow in flows:
        case = ET.SubElement(suite, "testcase", classname="browser", name=flow.name, time="%.3f" % flow.duration)
        if flow.failure:
            step, reason = flow.failure
            failure = ET.SubElement(case, "failure", message=redact("step %s: %s" % (step, reason)), type="StepFailed")
            failure.text = redact("\n".join(["step %s: %s" % (step, reason)] + ["evidence: %s" % a for a in flow.artifacts]))
        out = ET.SubElement(case, "system-out")
        out.text = redact("\n".join(["%s %.2fs" % s for s in flow.steps] + ["note: " + n for n in flow.notes]))
    tree = ET.ElementTree(ET.Element("testsuites", name="browser"))
    tree.getroot().append(suite)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)


if __name__ == "__main__":
    sys.exit(main())
