"""`studykb serve`: the TUI in a web browser, through textual-serve.

Each browser tab that connects starts its own `studykb tui` process on the same
database (textual-serve's model); answers are committed by that process exactly
as in a terminal.

Safety, since the page can grade cards and read every card:
- By default the server listens on 127.0.0.1 only, and answers only requests
  whose Host names the loopback address (a web page elsewhere cannot reach it by
  re-pointing its own domain at 127.0.0.1, "DNS rebinding").
- Another address only with ``--host``, and then every request must carry a
  random token: the printed link holds it (``/?token=...``); the page it opens
  gets it as an HttpOnly, SameSite=Strict cookie, which the websocket and the
  static files then present (textual-serve 1.1.3 has no token of its own, and its
  page appends ``?width=&height=`` to the websocket URL, so the token cannot ride
  in that URL).
- A request whose Origin is another site is refused (a page elsewhere cannot
  open the websocket from the user's browser).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

TEMPLATES = Path(__file__).parent / "serve_templates"
TOKEN_COOKIE = "studykb_token"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tui_command(db: Path) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([sys.executable, "-m", "studykb.cli", "--db", str(db), "tui"])


class StudyServer(Server):
    """textual-serve's Server with studykb's checks (see the module's docstring)."""

    def __init__(self, db: Path, *, host: str, port: int, token: str | None) -> None:
        super().__init__(
            tui_command(db), host=host, port=port, title="studykb", templates_path=TEMPLATES
        )
        self.token = token

    def link(self) -> str:
        """The address to open; with the token when there is one."""
        host = self.host
        if host in ("0.0.0.0", "::"):  # every address: name the machine
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host}]"
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="studykb: requests from another site are refused\n")
        if self.token is None:
            hostname = urlsplit(f"//{request.host}").hostname or ""
            if not is_loopback(hostname):
                raise web.HTTPForbidden(text="studykb: this server answers on 127.0.0.1 only\n")
            return await handler(request)
        offered = request.query.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        if not hmac.compare_digest(offered.encode(), self.token.encode()):
            raise web.HTTPForbidden(
                text="studykb: open the link `studykb serve` printed (it holds a token)\n"
            )
        response = await handler(request)
        if request.path == "/" and "token" in request.query:
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="Strict")
        return response

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """textual-serve's page, with its URLs built from the address the browser used
        (``--host 0.0.0.0`` is no address a tablet can open)."""
        base = f"{request.scheme}://{request.host}"
        router = request.app.router
        static = str(router["static"].url_for(filename="/")).rstrip("/") + "/"
        websocket = str(router["websocket"].url_for())
        scheme = "wss" if request.scheme == "https" else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}{websocket}",
            "config": {"static": {"url": f"{base}{static}"}},
            "application": {"name": self.title},
        }

    async def on_startup(self, app: web.Application) -> None:
        if self.token is None:
            where = "this machine only"
        else:
            where = "anyone who has this link can review as you"
        # soft_wrap: the link is never broken across lines, so it can be copied whole.
        self.console.print(
            f"studykb: serving on {self.link()} ({where}); Ctrl+C stops",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )


def serve(db: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve until interrupted. A token is made for any address but the loopback."""
    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    StudyServer(db, host=host, port=port, token=token).serve()
