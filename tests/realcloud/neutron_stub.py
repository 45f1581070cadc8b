"""A network endpoint that owns nothing: every list is empty.

Why: nova-api asks neutron about ports, security groups and shared networks even for
servers booted with ``networks='none'``; without a ``network`` endpoint server show and
list answer 500 ``EndpointNotFound``. Nothing in the evacuation path needs a network, so
empty answers are the whole of neutron these tests need.

Usage: ``python neutron_stub.py IP PORT``.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse


class Handler(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = [p for p in urlparse(self.path).path.split("/") if p]
        if not parts:
            self._answer(200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
                {"rel": "self", "href": f"http://{self.headers.get('Host')}/v2.0/"}]}]})
        elif len(parts) >= 2 and parts[0] == "v2.0":
            resource = parts[-1].split(".")[0].replace("-", "_")
            self._answer(200, {resource: []})
        else:
            self._answer(404, {"NeutronError": {"message": self.path}})

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("REQUEST %s\n" % (fmt % args))


if __name__ == "__main__":
    ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
