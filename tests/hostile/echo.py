"""A hostile proxy in front of a double: it echoes every credential it receives (headers, token
request body) in a response header and inside JSON bodies, sets a session cookie on every answer,
and sends every seventh API request off to another origin with a 307."""

from __future__ import annotations

import io
import json
import secrets
from typing import Any

from werkzeug.wrappers import Request, Response

from conformance.targets.double_server import RunningDouble

ECHOED = ("authorization", "x-api-key", "x-merchant-no", "x-app-id", "cookie")


class EchoProxy:
    def __init__(self, double: RunningDouble, elsewhere: str) -> None:
        self.app = double.server.app
        self.elsewhere = elsewhere
        self.cookies: list[str] = []
        self.requests = 0
        double.server.app = self

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        environ["wsgi.input"] = io.BytesIO(body)  # for the double, which reads the body again
        environ["CONTENT_LENGTH"] = str(len(body))
        self.requests += 1
        # (The token endpoint is left alone: a token fetch that is redirected ends the run, on purpose.)
        if self.requests % 7 == 0 and request.path not in ("/", "/oauth/token"):
            moved = Response(status=307, headers={"Location": self.elsewhere + request.full_path})
            return moved(environ, start_response)
        response = Response.from_app(self.app, environ)
        echo = {name: request.headers[name] for name in ECHOED if name in request.headers}
        if request.path.endswith("/oauth/token"):
            echo["token_request"] = body.decode("utf-8", "replace")
        response.headers["X-Echo"] = json.dumps(echo)
        cookie = secrets.token_hex(12)
        self.cookies.append(cookie)
        response.set_cookie("session", cookie, path="/")
        if response.mimetype == "application/json":
            try:
                data = json.loads(response.get_data())
            except ValueError:
                data = None
            if isinstance(data, dict):
                data["echo"] = echo
                if "message" in data and isinstance(data["message"], str):
                    data["message"] += " (you sent " + json.dumps(echo) + ")"
                response.set_data(json.dumps(data))
        return response(environ, start_response)
