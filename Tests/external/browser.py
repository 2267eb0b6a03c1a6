"""What check_providers.py and check_modern.py share, standard library only: a user agent that
keeps cookies and never follows redirects (Browser, answering Response), the HTML form reader
(FormParser, only_form), the check failure (CheckFailed, expect), the providers' env file
(load_env) and the scripts' main loop (run_checks). Both scripts import it from their own folder.

--trace on the command line makes every Browser print each request with its status and Location.
"""
import html.parser
import http.cookiejar
import json
import os
import shlex
import sys
import typing
import urllib.error
import urllib.parse
import urllib.request

TRACE = "--trace" in sys.argv


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def load_env(directory):
    """The EXTERNAL_* variables of DIR/env, as providers.sh wrote them."""
    env = {}
    with open(f"{directory}/env") as file:
        for line in file:
            line = line.strip()
            if line.startswith("export "):
                name, _, value = line[len("export "):].partition("=")
                env[name] = shlex.split(value)[0] if value else ""
    return env


def run_checks(checks, providers_for, discovery, errors):
    """main() of both scripts: `SCRIPT DIR [--trace]` runs each (provider, name, function) of
    checks, in order, on providers_for(env)[provider]; a provider whose discovery check (one of
    discovery) failed has its other checks counted failed, not run; an exception of errors fails
    its check. Prints "ok"/"FAIL" a check and "N passed, N failed"; returns the exit status."""
    args = [arg for arg in sys.argv[1:] if arg != "--trace"]
    if len(args) != 1:
        print(f"usage: {os.path.basename(sys.argv[0])} DIR [--trace]", file=sys.stderr)
        return 2
    providers = providers_for(load_env(args[0]))
    passed = failed = 0
    broken = set()  # providers whose discovery failed: their other checks cannot run
    for provider, name, function in checks:
        if provider in broken:
            failed += 1
            print(f"FAIL {name}: not run, discovery failed")
            continue
        try:
            function(providers[provider])
        except errors as error:
            failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}")
            if function in discovery:
                broken.add(provider)
        else:
            passed += 1
            print(f"ok   {name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


# ---- HTTP: a user agent with cookies that never follows redirects

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response(typing.NamedTuple):
    """status, headers, body (text); unpacks as `status, head, body = browser.get(url)`."""
    status: int
    headers: object
    body: str

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            raise CheckFailed(f"expected JSON, got {self.status}: {self.body[:300]!r}")

    @property
    def location(self):
        return self.headers.get("Location")

    def __repr__(self):
        return f"<{self.status} {self.headers.get('Content-Type')} {self.body[:300]!r}>"


class Browser:
    """A user agent that keeps cookies and never follows redirects by itself."""

    trace_width = None  # --trace: print URLs and Locations cut to this many characters (None: whole)

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(self.jar),
                                                  urllib.request.ProxyHandler({}))  # loopback: never a proxy

    def request(self, method, url, form=None, headers=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=15) as response:
                status, head, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, head, body = error.code, error.headers, error.read()
        if TRACE:
            location, width = head.get("Location"), self.trace_width
            print(f"    {method} {url[:width]} -> {status}" + (f" Location: {location[:width]}" if location else ""))
        return Response(status, head, body.decode("utf-8", "replace"))

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, form, **kwargs):
        return self.request("POST", url, form=form, **kwargs)


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


# ---- HTML forms

class FormParser(html.parser.HTMLParser):
    """Collects each <form>: its method, action, and the named inputs and buttons in it."""

    def __init__(self):
        super().__init__()
        self.forms, self.form = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = {"id": attrs.get("id"), "method": (attrs.get("method") or "get").lower(),
                         "action": attrs.get("action"), "inputs": [], "buttons": []}
            self.forms.append(self.form)
        elif self.form is not None and tag in ("input", "button") and attrs.get("name"):
            kind = (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
            entry = (attrs["name"], attrs.get("value") or "", kind)
            (self.form["buttons"] if kind == "submit" else self.form["inputs"]).append(entry)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None


def forms(page):
    parser = FormParser()
    parser.feed(page)
    return parser.forms


def only_form(page, what):
    """The page's one POST form; fails the check if there is not exactly one."""
    found = [form for form in forms(page) if form["method"] == "post"]
    expect(len(found) == 1, f"{what}: expected one POST form, found {len(found)}")
    return found[0]
