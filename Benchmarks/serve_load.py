#!/usr/bin/env python3
"""Load test of `stratopt serve`: many status pollers on loopback, bounded in time and connections.

    python3 Benchmarks/serve_load.py BASE_URL TOKEN JOB_ID [--pollers 32] [--seconds 20]

Each poller is a thread with one keep-alive connection that GETs /api/v1/optimizer/status/JOB_ID as fast
as it is answered, for --seconds. Prints requests/s, p50/p99/max latency and the error count; docs/serve.md
records the figures with the machine's load average.
"""
import argparse
import http.client
import os
import threading
import time
import urllib.parse


def poller(host, port, path, token, until, out):
    lat, errors = [], 0
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Authorization": "Bearer " + token}
    while time.monotonic() < until:
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            if r.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        lat.append(time.perf_counter() - t0)
    conn.close()
    out.append((lat, errors))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("token")
    ap.add_argument("job")
    ap.add_argument("--pollers", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    if not 1 <= a.pollers <= 256 or not 0 < a.seconds <= 300:
        raise SystemExit("--pollers 1..256, --seconds up to 300")
    u = urllib.parse.urlparse(a.base)
    if u.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit("loopback only")
    path = "/api/v1/optimizer/status/" + a.job
    out = []
    start = time.monotonic()
    until = start + a.seconds
    threads = [threading.Thread(target=poller, args=(u.hostname, u.port, path, a.token, until, out))
               for _ in range(a.pollers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    lat = sorted(x for l, _ in out for x in l)
    errors = sum(e for _, e in out)
    if not lat:
        raise SystemExit("no request answered")

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

    print("pollers %d, %.1f s: %d requests, %.0f requests/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms, %d errors; load %s"
          % (a.pollers, elapsed, len(lat), len(lat) / elapsed, pct(0.50), pct(0.99), lat[-1] * 1000, errors,
             " ".join("%.2f" % x for x in os.getloadavg())))


if __name__ == "__main__":
    main()
