#!/usr/bin/env python3
"""A tiny smart-HTTP git server for the Git wrapper's tests (written for Slipway, not copied).

Usage: git-http-server.py PROJECT_ROOT USERNAME   (password in env GIT_HTTP_TEST_PASSWORD, or
read again for every request from the file named by env GIT_HTTP_TEST_PASSWORD_FILE, so a test
can rotate it: a token that is renewed)

Binds 127.0.0.1 on a free port and prints the port as its first stdout line. Every request must
carry HTTP basic auth for USERNAME/password; otherwise it answers 401 with a text/plain body and
`WWW-Authenticate: Basic realm="x"`. Authorised requests are handed to `git http-backend` (CGI)
with GIT_PROJECT_ROOT=PROJECT_ROOT and GIT_HTTP_EXPORT_ALL=1. Request bodies may be chunked
(libgit2 sends pushes chunked) or have a Content-Length. One line per request goes to stderr:
"METHOD PATH STATUS". The server exits when its stdin is closed (so it cannot outlive the test
process) or on SIGTERM.
"""
import base64
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

PROJECT_ROOT = sys.argv[1]
USERNAME = sys.argv[2]
PASSWORD = os.environ.get("GIT_HTTP_TEST_PASSWORD", "")
PASSWORD_FILE = os.environ.get("GIT_HTTP_TEST_PASSWORD_FILE")


def expected_authorization():
    password = PASSWORD
    if PASSWORD_FILE:
        try:
            with open(PASSWORD_FILE, encoding="utf-8") as handle:
                password = handle.read().strip()
        except OSError:
            password = ""
        if not password:
            return None  # nothing is accepted until the test names a password
    return "Basic " + base64.b64encode(f"{USERNAME}:{password}".encode()).decode()
MAX_BODY = 64 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass

    def log_line(self, status):
        sys.stderr.write(f"{self.command} {self.path} {status}\n")
        sys.stderr.flush()

    def do_GET(self):
        self.serve()

    def do_POST(self):
        self.serve()

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts, total = [], 0
            while True:
                size_line = self.rfile.readline()
                if not size_line:
                    raise ValueError("connection closed inside a chunked body")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                parts.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def reply(self, status, headers, payload):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.log_line(status)

    def serve(self):
        body = self.read_body()
        expected = expected_authorization()
        if expected is None or expected not in (self.headers.get_all("Authorization") or []):
            self.reply(401, [("Content-Type", "text/plain"), ("WWW-Authenticate", 'Basic realm="x"')],
                       b"authentication required\n")
            return
        url = urlsplit(self.path)
        env = dict(os.environ)
        env.pop("GIT_HTTP_TEST_PASSWORD", None)
        env.pop("GIT_HTTP_TEST_PASSWORD_FILE", None)
        env.update({
            "GIT_PROJECT_ROOT": PROJECT_ROOT,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_USER": USERNAME,
            "REMOTE_ADDR": self.client_address[0],
            "REQUEST_METHOD": self.command,
            "PATH_INFO": unquote(url.path),
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
        })
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        result = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env)
        output = result.stdout
        split = min((i for i in (output.find(b"\r\n\r\n"), output.find(b"\n\n")) if i >= 0), default=-1)
        if split < 0:
            self.reply(500, [("Content-Type", "text/plain")], b"http-backend failed: " + result.stderr)
            return
        head = output[:split]
        separator = 4 if output[split:split + 4] == b"\r\n\r\n" else 2
        payload = output[split + separator:]
        status, headers = 200, []
        for line in head.split(b"\n"):
            line = line.rstrip(b"\r")
            if not line:
                continue
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((name.strip(), value.strip()))
        self.reply(status, headers, payload)


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
