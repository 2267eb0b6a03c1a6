"""Hostile traffic for Benchmarks/hostile.sh: python3 hostile.py PID OAUTH2_URL OAUTH1_URL.

Every loop is bounded in count and the whole run in time; every socket has a timeout; only
the loopback URLs given are contacted.
"""
import base64, http.client, os, socket, statistics, sys, threading, time, urllib.parse

pid, oauth2, oauth1 = int(sys.argv[1]), urllib.parse.urlsplit(sys.argv[2]), urllib.parse.urlsplit(sys.argv[3])
assert oauth2.hostname.startswith("127.") and oauth1.hostname.startswith("127."), "loopback only"
DEADLINE = time.monotonic() + 120
BASIC = "Basic " + base64.b64encode(b"harness-client:harness-secret").decode()
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": BASIC}


def rss_kb():
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def request(url, method, path, body=b"", headers=None, timeout=5):
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__
    finally:
        connection.close()


def normal_token_ms():
    started = time.monotonic()
    status = request(oauth2, "POST", "/oauth2/token", b"grant_type=client_credentials&scope=api.read", FORM)
    elapsed = (time.monotonic() - started) * 1000
    assert status == 200, f"a normal token request got {status}"
    return elapsed


def raw(url, data, timeout=3):
    """Sends bytes as they are and reads whatever comes back (the server may close early)."""
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            return sock.recv(256).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError as error:
            return type(error).__name__


def hostile_round(index):
    results = []
    big = b"grant_type=client_credentials&pad=" + b"x" * (200 * 1024)
    results.append(("oversized body", request(oauth2, "POST", "/oauth2/token", big, FORM)))
    flood = "&".join(f"p{i}=v" for i in range(12_000)).encode() + b"&grant_type=client_credentials"
    results.append(("parameter flood", request(oauth2, "POST", "/oauth2/token", flood[: 60 * 1024], FORM)))
    results.append(("made-up grant type", request(oauth2, "POST", "/oauth2/token", f"grant_type={'g' * 900}{index}".encode(), FORM)))
    results.append(("malformed body", request(oauth2, "POST", "/oauth2/token", os.urandom(4096), FORM)))
    results.append(("bad escapes", request(oauth2, "POST", "/oauth2/token", b"grant_type=%zz%&code=%" * 200, FORM)))
    results.append(("json garbage", request(oauth2, "POST", "/oauth2/introspect", b'{"token": [[[[[[', {"Content-Type": "application/json", "Authorization": BASIC})))
    backtrack = "OAuth " + "a" * 32_000
    results.append(("OAuth 1 header", request(oauth1, "POST", "/oauth/request_token", b"", {"Authorization": backtrack})))
    results.append(("long header", raw(oauth2, b"GET /api/me HTTP/1.1\r\nHost: x\r\nX-Long: " + b"h" * (200 * 1024) + b"\r\n\r\n")))
    results.append(("many headers", raw(oauth2, b"GET /api/me HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(2000)) + b"\r\n")))
    results.append(("bad request line", raw(oauth2, b"\x00\xff GARBAGE\r\n\r\n")))
    return results


def slow_clients(count, hold_seconds, opened):
    """Connections that announce a body and never finish it."""
    sockets = []
    for _ in range(count):
        try:
            sock = socket.create_connection((oauth2.hostname, oauth2.port), timeout=3)
            sock.sendall(b"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ngrant_type=")
            sockets.append(sock)
        except OSError:
            break
    opened.append(len(sockets))
    time.sleep(hold_seconds)
    for sock in sockets:
        sock.close()


def attack(label):
    """40 hostile rounds (4 at a time) while 300 slow clients hold connections open; a normal
    token request is timed during every batch."""
    opened, latencies = [], []
    holder = threading.Thread(target=slow_clients, args=(300, 8, opened))
    holder.start()
    rounds = 0
    while rounds < 40 and time.monotonic() < DEADLINE:
        batch = [threading.Thread(target=lambda i=rounds + k: [outcomes.setdefault(name, set()).add(str(status)) for name, status in hostile_round(i)])
                 for k in range(4)]
        for thread in batch:
            thread.start()
        latencies.append(normal_token_ms())  # while the hostile requests are in flight
        for thread in batch:
            thread.join(timeout=30)
        rounds += 4
    holder.join(timeout=30)
    time.sleep(1)  # let the server see the slow clients go
    print(f"{label}: {rounds} hostile rounds ({rounds * 10} requests), {opened[0] if opened else 0} slow clients held 8 s, "
          f"normal token request during it: median {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms")
    return latencies


outcomes = {}
for _ in range(300):
    normal_token_ms()
start = rss_kb()
during = attack("attack 1")
first = rss_kb()
during += attack("attack 2")
second = rss_kb()
after = sorted(normal_token_ms() for _ in range(50))
for name, statuses in sorted(outcomes.items()):
    print(f"  {name}: answered {', '.join(sorted(statuses))}")
print(f"normal token request after the attacks: median {statistics.median(after):.1f} ms, 95th percentile {after[47]:.1f} ms")
growth = (second - first) / first
print(f"RSS: {start / 1024:.1f} MB before, {first / 1024:.1f} MB after attack 1, {second / 1024:.1f} MB after attack 2 ({growth:+.1%})")
ok = True
if statistics.median(during) >= 100 or after[47] >= 100:
    print("FAIL: normal token requests took 100 ms or more"); ok = False
if growth >= 0.10:
    print("FAIL: resident memory grew by 10 % or more from one attack to the next"); ok = False
if any("200" in statuses for name, statuses in outcomes.items() if name in ("oversized body", "parameter flood", "OAuth 1 header")):
    print("FAIL: a hostile request was accepted"); ok = False
print("hostile: passed" if ok else "hostile: FAILED")
sys.exit(0 if ok else 1)
