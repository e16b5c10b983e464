"""A Stooq-format replay server for the crash-during-fetch test (127.0.0.1 only, stops by itself).

GET /q/d/l/?s=<sym>.us&d1=YYYYMMDD&d2=YYYYMMDD answers daily CSV for the first symbol at once and holds
the request for the second one until the test kills the client (at most 60 s). Prints its port, then one
line per request, on stdout.
"""
import http.server
import sys
import threading
import time
import urllib.parse

ROWS = {
    "20240102": "2024-01-02,100,102,99,101,1000",
    "20240103": "2024-01-03,101,103,100,102,1100",
    "20240104": "2024-01-04,102,104,101,103,1200",
    "20240105": "2024-01-05,103,105,102,104,1300",
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        sym = q.get("s", [""])[0]
        print("request", sym, q.get("d1", [""])[0], q.get("d2", [""])[0], flush=True)
        if sym.startswith("hold"):
            time.sleep(60)
            return
        d1, d2 = q.get("d1", ["0"])[0], q.get("d2", ["99999999"])[0]
        body = "Date,Open,High,Low,Close,Volume\n" + "".join(r + "\n" for d, r in sorted(ROWS.items()) if d1 <= d <= d2)
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Timer(90, server.shutdown).start()
server.serve_forever()
