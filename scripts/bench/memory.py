#!/usr/bin/env python3
"""Memory under hostile load, against a running tiepcan server.

Run by scripts/bench-memory.sh, which prepares the accounts. Each scenario
sends its requests at once (one thread each), samples the server's VmRSS
every 20 ms while they run, and reads VmRSS again after a pause. Prints a
Markdown table. Only the standard library; traffic goes to the given local
address only, and every request has a timeout.
"""

import argparse
import http.client
import json
import os
import socket
import threading
import time
import urllib.parse

BOUNDARY = "bench-memory-boundary"


def status_mb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    """Largest VmRSS seen while a scenario runs."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, status_mb(self.pid, "VmRSS"))
            time.sleep(0.02)

    def stop(self):
        self.done.set()
        self.join()
        return max(self.peak, status_mb(self.pid, "VmRSS"))


class Server:
    def __init__(self, base):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port

    def call(self, method, path, body=None, token=None, timeout=120):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            r = conn.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        finally:
            conn.close()

    def login(self, email, password):
        status, _, data = self.call("POST", "/api/v1/sessions", {"email": email, "password": password})
        if status != 201:
            raise SystemExit(f"login of {email}: {status} {data[:200]!r}")
        return json.loads(data)["token"]


def at_once(n, work):
    """Runs work(i) in n threads released together; returns results and seconds."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as e:  # noqa: BLE001 - a failed request is a result here
            results[i] = f"error: {type(e).__name__}"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.monotonic() - start


def outcomes(results):
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    return ", ".join(f"{v}× {k}" for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])))


def hostile_upload(server, path, auth, fields, field_size, chunked=False, file_size=0, timeout=60):
    """Sends a multipart body of `fields` text fields of `field_size` bytes
    (or one file of `file_size` bytes) piece by piece on a raw socket, and
    returns the status of the answer, which may come before the body ends."""
    pad = b"v" * field_size  # one object, sent many times: the client stays small
    parts = []

    def delimiter():  # CRLF ends the previous part's data, not the preamble
        return ("\r\n" if parts else "") + f"--{BOUNDARY}\r\n"

    for i in range(fields):
        parts.append(f'{delimiter()}Content-Disposition: form-data; name="f{i}"\r\n\r\n'.encode())
        parts.append(pad)
    if file_size:
        parts.append(
            f'{delimiter()}Content-Disposition: form-data; name="file"; filename="bao-cao.pdf"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode()
        )
        head, block = b"%PDF-1.7\n% " + os.urandom(16).hex().encode() + b"\n", b"0" * (256 * 1024)
        parts.append(head)
        left = file_size - len(head)
        while left > 0:
            parts.append(block if left >= len(block) else block[:left])
            left -= len(block)
    parts.append(f"\r\n--{BOUNDARY}--\r\n".encode())
    if chunked:
        # One part header that never ends, without a length.
        parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="x"\r\nX-Pad: '.encode()]
        parts += [b"a" * field_size] * fields
        length = "Transfer-Encoding: chunked\r\n"
    else:
        length = f"Content-Length: {sum(len(p) for p in parts)}\r\n"
    sock = socket.create_connection((server.host, server.port), timeout=timeout)
    answer = {}

    def read():
        data = b""
        try:
            while b"\r\n" not in data:
                more = sock.recv(4096)
                if not more:
                    break
                data += more
        except OSError:
            pass
        answer["status"] = data.split(b" ")[1].decode() if data.count(b" ") >= 1 else "no answer"

    reader = threading.Thread(target=read, daemon=True)
    try:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {server.host}\r\n{auth}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{length}\r\n"
            ).encode()
        )
        reader.start()
        for p in parts:
            if "status" in answer:
                break
            sock.sendall(f"{len(p):x}\r\n".encode() + p + b"\r\n" if chunked else p)
        if chunked and "status" not in answer:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and stopped reading
    reader.join(timeout)
    sock.close()
    return answer.get("status", "timeout")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["logins", "uploads"], help="one group of scenarios on a fresh server")
    a = ap.parse_args()
    server = Server(a.base)
    logins, hostile, fields, upload_mb = (40, 5, 300, 2) if a.quick else (200, 20, 3000, 10)

    reporter = server.login("pv@mem.example.vn", a.password)
    syt = server.login("syt@mem.example.vn", a.password)
    sxd = server.login("sxd@mem.example.vn", a.password)
    _, _, data = server.call("GET", "/api/v1/agencies?q=SYT&jurisdiction=MEM", token=reporter)
    agency = next(x["id"] for x in json.loads(data)["items"] if x["code"] == "SYT")
    status, _, data = server.call(
        "POST",
        "/api/v1/requests",
        {"agency_id": agency, "kind": "information", "subject": "Số liệu", "body": "Đề nghị cung cấp số liệu."},
        token=reporter,
    )
    if status != 201:
        raise SystemExit(f"filing: {status} {data[:200]!r}")
    path = f"/api/v1/requests/{json.loads(data)['id']}/attachments"
    time.sleep(2)
    idle = status_mb(a.pid, "VmRSS")
    rows = [("idle, after start and three logins", "", "", idle, idle, idle, 0.0)]

    def scenario(name, n, work, settle=3):
        sampler = Sampler(a.pid)
        sampler.start()
        results, secs = at_once(n, work)
        peak = sampler.stop()
        hwm = status_mb(a.pid, "VmHWM")
        time.sleep(settle)
        rows.append((name, n, outcomes(results), peak, hwm, status_mb(a.pid, "VmRSS"), secs))

    def login_once(_):
        return server.call("POST", "/api/v1/sessions", {"email": "pv@mem.example.vn", "password": a.password})[0]

    def login_until_in(_):
        for _ in range(200):
            status, headers, _ = server.call(
                "POST", "/api/v1/sessions", {"email": "pv@mem.example.vn", "password": a.password}
            )
            if status != 503:
                return status
            time.sleep(int(headers.get("Retry-After", "1")))
        return "gave up"

    if a.only != "uploads":
        scenario(f"{logins} logins at once", logins, login_once)
        scenario(f"{logins} logins at once, each retrying after Retry-After", logins, login_until_in)
    if a.only == "logins":
        return report(rows)
    big = f"{fields} fields of 60 KiB"
    scenario(
        f"{big} to a request the sender may not see",
        hostile,
        lambda _: hostile_upload(server, path, f"Authorization: Bearer {sxd}", fields, 60 * 1024),
    )
    scenario(
        f"{big} to a request the sender may attach to",
        hostile,
        lambda _: hostile_upload(server, path, f"Authorization: Bearer {syt}", fields, 60 * 1024),
    )
    scenario(
        "a part header that never ends (chunked, no length)",
        hostile,
        lambda _: hostile_upload(server, path, f"Authorization: Bearer {syt}", 2560, 8 * 1024, chunked=True),
    )
    scenario(
        f"{upload_mb} MB files, accepted",
        hostile,
        lambda _: hostile_upload(server, path, f"Authorization: Bearer {syt}", 1, 10, file_size=upload_mb << 20),
    )

    report(rows)


def report(rows):
    print("| scenario | requests | answers | peak RSS (MB) | VmHWM (MB) | RSS after (MB) | seconds |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, n, answers, peak, hwm, after, secs in rows:
        print(f"| {name} | {n} | {answers} | {peak:.0f} | {hwm:.0f} | {after:.0f} | {secs:.1f} |")


if __name__ == "__main__":
    main()
