"""The example app: static files from dist/, a /healthz endpoint, and /customer, which reads the
first customer from the environment's own database (DATABASE_URL, given by Slipway) with psql."""
import http.server
import os
import subprocess
import sys


def first_customer():
    """The first customer row, as text: from the sanitized copy of production's data."""
    if not os.environ.get("DATABASE_URL"):
        return "no database (this environment's spec has no 'database' section)"
    try:
        # psql reads PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD from the environment.
        result = subprocess.run(
            ["psql", "-X", "-A", "-t", "-c", "SELECT name || ' <' || email || '> ' || phone FROM customers ORDER BY id LIMIT 1"],
            capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        return "cannot run psql: %s" % error
    if result.returncode != 0:
        return "query failed: %s" % result.stderr.strip()
    return result.stdout.strip() or "no customers"


class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory="dist", **kwargs)

    def do_GET(self):
        if self.path == "/healthz":
            body = b'{"status":"ok","mail":"%s"}\n' % os.environ.get("SLIPWAY_MAIL", "real").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path == "/customer":
            body = (first_customer() + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format, *args):
        sys.stderr.write("app: " + (format % args) + "\n")


if __name__ == "__main__":
    port = int(sys.argv[1])
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
