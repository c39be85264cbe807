"""Fuzz the real server against its own OpenAPI documents with Schemathesis.

`cargo xtask test` runs this with the Python of `.tools/schemathesis`
(`fuzz/requirements.txt`). It starts the server binary on 127.0.0.1 with a
fresh data directory, makes a signed-in user, then runs Schemathesis four
times, each with every phase (examples, coverage, fuzzing, and stateful
sequences along the documents' links) and every check but one:

1. the Frontend API with that user's `__client` cookie and an allowed
   `Origin`, so requests get past the client and origin checks and reach
   the signed-in routes (the operations that end the session are left to
   the second run, so the cookie stays signed in for the whole run);
2. the Frontend API with the cookie of a client that has no session: the
   sign-up and sign-in steps, linked, run on one client;
3. the Frontend API with an allowed `Origin` and no cookie: every
   operation, each call on a fresh client;
4. the Backend API with the secret key.

Left out: `positive_data_acceptance`, which expects every schema-valid
request to succeed. An auth server refuses well-formed but wrong input by
design (a wrong code, an unknown email address, a password too weak), and
no schema can say which code is right.

It fails when a run finds a failure, when the runs sent fewer than
MIN_REQUESTS requests in all, or when the server wrote a panic to its log.
Counts come from the HAR reports Schemathesis writes (one entry per HTTP
request) under --report-dir.
"""

import argparse
import http.cookiejar
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

MIN_REQUESTS = 5000
CHECKS_LEFT_OUT = "positive_data_acceptance"
# Operations that end the signed-in session, left out of the signed-in run.
ENDS_SESSION = [
    ("DELETE", "/client"),
    ("DELETE", "/client/sessions"),
    ("POST", "/client/sessions/{id}/end"),
    ("POST", "/client/sessions/{id}/remove"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(opener, method, url, form=None, headers=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with opener.open(req, timeout=30) as resp:
        return json.load(resp)


def start_server(binary, data_dir, port, secret_key, log):
    base = f"http://127.0.0.1:{port}"
    config = os.path.join(data_dir, "fuzz.toml")
    with open(config, "w") as f:
        # A development instance (so the development routes are served and
        # fuzzed too) with no task in the way of an active session.
        f.write(
            f'listen = "127.0.0.1:{port}"\n'
            f'public_url = "{base}"\n'
            # The per-IP limits are tested on their own; here they would
            # turn most sign-ups and sign-ins away before their logic runs.
            "sign_in_attempts_per_ip_per_minute = 1000000\n"
            "sign_up_attempts_per_ip_per_minute = 1000000\n"
            "[instance]\n"
            'instance_type = "development"\n'
            "mfa_required = false\n"
            "force_organization_selection = false\n"
        )
    env = dict(os.environ, VESTIBULE_SECRET_KEY=secret_key, RUST_LOG="info")
    proc = subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--config", config], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode} before answering")
        try:
            urllib.request.urlopen(f"{base}/v1/environment", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not answer within 60 s")


def anonymous_cookie(base):
    """The `__client` cookie of a new client with no session."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    call(browser, "GET", f"{base}/v1/client")
    cookie = next((c.value for c in jar if c.name == "__client"), None)
    if cookie is None:
        raise SystemExit("GET /v1/client set no __client cookie")
    return cookie


def signed_in_cookie(base, secret_key):
    """A user made through the Backend API, signed in through the Frontend
    API: the `__client` cookie of an active session."""
    plain = urllib.request.build_opener()
    email = f"fuzz-{secrets.token_hex(4)}@example.com"
    password = "fuzz-" + secrets.token_urlsafe(18)
    call(
        plain,
        "POST",
        f"{base}/backend/v1/users",
        {"email_address": email, "password": password, "skip_password_checks": "true"},
        {"Authorization": f"Bearer {secret_key}"},
    )
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    answer = call(browser, "POST", f"{base}/v1/client/sign_ins", {"identifier": email, "password": password}, {"Origin": base})
    sessions = answer["client"]["sessions"]
    if not sessions or sessions[0]["status"] != "active":
        raise SystemExit(f"the fuzz user's session is not active: {sessions}")
    cookie = next((c.value for c in jar if c.name == "__client"), None)
    if cookie is None:
        raise SystemExit("signing in set no __client cookie")
    return cookie


def schemathesis(st, name, schema_url, api_url, headers, report_dir, max_examples, exclude=()):
    har = os.path.join(report_dir, f"{name}.har")
    cmd = [
        st, "run", schema_url, "--url", api_url,
        "--checks", "all", "--exclude-checks", CHECKS_LEFT_OUT,
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(max_examples),
        "--seed", "20261204",
        "--generation-database", "none",
        "--workers", "2",
        "--request-timeout", "10",
        "--suppress-health-check", "all",
        "--report", "har,junit", "--report-dir", report_dir,
        "--report-har-path", har,
        "--report-junit-path", os.path.join(report_dir, f"{name}.junit.xml"),
        "--no-color",
    ]
    for header in headers:
        cmd += ["-H", header]
    for method, path in exclude:
        cmd += ["--exclude-by", f"method == '{method}' and path == '{path}'"]
    print(f"\n== schemathesis: {name}", flush=True)
    started = time.monotonic()
    code = subprocess.call(cmd, env=dict(os.environ, SCHEMATHESIS_TELEMETRY="false"))
    took = time.monotonic() - started
    try:
        with open(har) as f:
            requests = len(json.load(f)["log"]["entries"])
    except (OSError, ValueError, KeyError):
        requests = 0
    print(f"schemathesis {name}: exit {code}, {requests} requests in {took:.1f} s", flush=True)
    return code, requests


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the vestibule server binary")
    parser.add_argument("--st", required=True, help="the Schemathesis command")
    parser.add_argument("--report-dir", required=True, help="where the reports go")
    parser.add_argument("--max-examples", type=int, default=50, help="test cases per operation and phase")
    args = parser.parse_args()
    os.makedirs(args.report_dir, exist_ok=True)
    started = time.monotonic()
    secret_key = "sk_test_" + secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="vestibule-fuzz-") as data_dir:
        log_path = os.path.join(args.report_dir, "server.log")
        with open(log_path, "w") as log:
            proc, base = start_server(args.bin, data_dir, free_port(), secret_key, log)
            try:
                signed_in = signed_in_cookie(base, secret_key)
                anonymous = anonymous_cookie(base)
                origin = f"Origin: {base}"
                runs = [
                    ("frontend-signed-in", "/v1", [origin, f"Cookie: __client={signed_in}"], ENDS_SESSION),
                    ("frontend-client", "/v1", [origin, f"Cookie: __client={anonymous}"], ()),
                    ("frontend-no-cookie", "/v1", [origin], ()),
                    ("backend", "/backend/v1", [f"Authorization: Bearer {secret_key}"], ()),
                ]
                results = []
                for name, api, headers, exclude in runs:
                    results.append(
                        (name,) + schemathesis(
                            args.st, name, f"{base}{api}/openapi.json", f"{base}{api}", headers,
                            args.report_dir, args.max_examples, exclude,
                        )
                    )
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        with open(log_path) as f:
            panics = [line for line in f if "panicked" in line]
    total = sum(r[2] for r in results)
    failed = [r[0] for r in results if r[1] != 0]
    print(f"\nschemathesis: {total} requests in {time.monotonic() - started:.1f} s; "
          f"runs failed: {', '.join(failed) or 'none'}; server panics: {len(panics)}")
    problems = []
    if failed:
        problems.append(f"failures found by: {', '.join(failed)} (reports in {args.report_dir})")
    if total < MIN_REQUESTS:
        problems.append(f"only {total} requests sent; at least {MIN_REQUESTS} are wanted")
    if panics:
        problems.append(f"the server panicked: {panics[0].strip()}")
    if problems:
        sys.exit("schemathesis: " + "; ".join(problems))


if __name__ == "__main__":
    main()
