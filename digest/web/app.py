"""The web front as a Starlette app: archive, feed, subscribe, confirm, preferences, unsubscribe.

Pages are server-rendered from templates/web/ (Jinja2, autoescaped, sandboxed like the
digest's; output.templates overrides them too). Every error is a plain page with a 4xx status,
never a traceback; an error of ours is a 500 page that says nothing about it, and the log gets
the traceback.

What the reader can do rests on signed tokens (tokens.py): a link in their mail is the
capability for their own address and nothing else. Forms also carry a CSRF token. Nothing is
stored from a request that is refused (bad token, bad address, CSRF, rate limit, body size).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from digest import subscribers as subs
from digest.config import Config
from digest.errors import DigestError
from digest.web import archive
from digest.web.mailer import Mailer
from digest.web.tokens import PREFERENCES, UNSUBSCRIBE, BadToken, Tokens

logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024  # bytes of a form post; ours are under 1 KB
CSRF_COOKIE = "digest_csrf"
# A victim's address cannot be mail-bombed from many client addresses: confirmation mails per
# address, whoever asks. Over it, the page reads the same and no mail goes.
ADDRESS_RATE = "3 per day"
SECURITY_HEADERS = [
    # Pages need no script at all; styles are inline; forms post only to us.
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:;"
        b" form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
TOKEN_PATH = re.compile(r"^/(confirm|preferences|unsubscribe)/[^/]+")


class Web:
    """The app's state and pages. `store` is the state (digest/store), shared by threads."""

    def __init__(self, config: Config, store: Any, *, secret: str) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        from digest.render import environment

        assert config.web is not None
        self.config = config
        self.web = config.web
        self.base = config.web.base_url  # links in mail: absolute
        # Links between pages: the base URL's path only, so they work through any host name
        # a proxy (or a test on loopback) serves them under.
        self.root = urlsplit(self.base).path.rstrip("/")
        self.store = store
        self.tokens = Tokens(secret, confirm_max_age=config.web.confirm_days * 24 * 3600)
        self.env = environment(config.output.templates)
        self.mailer = Mailer(config, self.tokens)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.client_rate = parse(config.web.subscribe_rate)
        self.address_rate = parse(ADDRESS_RATE)
        self.topics = subs.topics(config)

    # -- rendering -----------------------------------------------------------------------

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context = {"title": self.config.title, "base": self.root, **context}
        html = self.env.get_template(f"web/{template}").render(context)
        return HTMLResponse(html, status_code=status)

    def message(
        self, heading: str, *lines: str, status: int = 200, link: dict | None = None
    ) -> HTMLResponse:
        return self.page("message.html.j2", status, heading=heading, lines=lines, link=link)

    def bad_link(self) -> HTMLResponse:
        return self.message(
            "This link does not work",
            "It may have been changed on the way, or made for another address, or be too old."
            " Use the link in your latest email, or subscribe again.",
            status=400,
            link={"href": f"{self.root}/subscribe", "text": "Subscribe"},
        )

    def with_csrf(self, request: Request, template: str, status: int = 200, **ctx) -> Response:
        """A page holding a form: the form token, and the cookie it must match."""
        nonce = request.cookies.get(CSRF_COOKIE)
        if not nonce or len(nonce) > 64:
            nonce, token = self.tokens.csrf_pair()
        else:
            token = self.tokens.csrf_form_token(nonce)
        response = self.page(template, status, csrf=token, **ctx)
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            max_age=24 * 3600,
            httponly=True,
            samesite="lax",
            # Secure when the request came over https (through a proxy: X-Forwarded-Proto).
            secure=request.url.scheme == "https",
        )
        return response

    async def form(self, request: Request, *, csrf: bool = True) -> FormData:
        form = await request.form(max_files=0, max_fields=64, max_part_size=MAX_BODY)
        if csrf:
            try:
                self.tokens.check_csrf(request.cookies.get(CSRF_COOKIE), _one(form, "csrf"))
            except BadToken:
                raise HTTPException(403, "csrf") from None
        return form

    # -- archive -------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        found = await run_in_threadpool(archive.entries, self.config)
        return self.page("index.html.j2", entries=found)

    async def digest_page(self, request: Request) -> Response:
        from digest.render import render_parts

        name = request.path_params["name"]
        data = await run_in_threadpool(archive.load, self.config.output.dir, name)
        if data is None:
            raise HTTPException(404)
        try:
            digest, sections = archive.digest_of(data)
        except (KeyError, TypeError, ValueError):
            logger.warning("Archive: %s.json cannot be read as a digest", name)
            raise HTTPException(404) from None
        # The digest's own template, as readers get it: no operator note, no personal links.
        html, _ = await run_in_threadpool(
            lambda: render_parts(digest, env=self.env, sections=sections)
        )
        return HTMLResponse(html)

    async def feed(self, request: Request) -> Response:
        body = await run_in_threadpool(archive.atom, self.config, self.base)
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    async def healthz(self, request: Request) -> Response:
        try:
            await run_in_threadpool(self.store.subscriber, "healthz@example.invalid")
        except DigestError as exc:
            logger.error("Health check: %s", exc)
            return PlainTextResponse("state unavailable\n", status_code=503)
        return PlainTextResponse("ok\n")

    # -- subscribing ---------------------------------------------------------------------

    async def subscribe(self, request: Request) -> Response:
        ctx = {"topics": self.topics, "topic_label": subs.topic_label(self.config)}
        if request.method != "POST":
            return self.with_csrf(request, "subscribe.html.j2", **ctx)
        client = request.client.host if request.client else "unknown"
        if not self.limiter.hit(self.client_rate, "subscribe", client):
            logger.warning("Web: subscribe attempts from %s over %s", client, self.client_rate)
            raise HTTPException(429)
        form = await self.form(request)
        try:
            email = subs.normalise(_one(form, "email") or "")
        except DigestError as exc:
            return self.with_csrf(
                request,
                "subscribe.html.j2",
                400,
                error=f"That address cannot be used: {exc.message}",
                **ctx,
            )
        chosen = form.getlist("topic") if len(self.topics) > 1 else self.topics
        topics = subs.clean_topics(self.config, chosen)
        if len(self.topics) > 1 and not topics and not set(chosen) & set(self.topics):
            return self.with_csrf(
                request, "subscribe.html.j2", 400, error="Choose at least one.", **ctx
            )
        # The same answer, at the same speed, whether the address is known or not: the mail
        # (a confirmation, or "you are already subscribed") goes after the response.
        mail = None
        if self.limiter.hit(self.address_rate, "confirm-mail", email):
            mail = BackgroundTask(self._send_subscribe_mail, email, topics)
        else:
            logger.warning("Web: confirmation mails to %s over %s; not sent", email, ADDRESS_RATE)
        response = self.message(
            "Check your inbox",
            "If that address can receive our mail, a message is on its way with a link to"
            " confirm. Nothing is sent to it until the link is followed.",
        )
        response.background = mail
        return response

    def _send_subscribe_mail(self, email: str, topics: tuple[str, ...]) -> None:
        try:
            known = self.store.subscriber(email)
            if known is not None and known.status != subs.LEFT:
                self.mailer.already_subscribed(email)
            else:
                self.mailer.confirm(email, topics)
        except DigestError as exc:  # SMTP or state trouble: the operator's, logged
            logger.error("Web: confirmation mail to %s not sent: %s", email, exc)

    async def confirm(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            email, topics = self.tokens.read_confirm(token)
        except BadToken:
            return self.bad_link()
        if request.method != "POST":
            return self.with_csrf(request, "confirm.html.j2", email=email, token=token)
        await self.form(request)
        now = datetime.now(self.config.tz)
        await run_in_threadpool(self.store.confirm_subscriber, email, topics, now)
        logger.info("Web: %s subscribed (confirmed)", email)
        return self.message(
            "You are subscribed",
            f"{self.config.title} will come to {email}. Every mail has a link to change what"
            " you get, or to leave.",
            link={
                "href": f"{self.root}/preferences/{self.tokens.preferences(email)}",
                "text": "Choose what you get",
            },
        )

    # -- a subscriber's own pages --------------------------------------------------------

    async def preferences(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            email = self.tokens.read_address(PREFERENCES, token)
        except BadToken:
            return self.bad_link()
        known = await run_in_threadpool(self.store.subscriber, email)
        if known is None or known.status == subs.LEFT:
            if request.method == "POST":
                await self.form(request)
            return self.not_subscribed(email)
        saved = None
        if request.method == "POST":
            form = await self.form(request)
            if _one(form, "action") == "leave":
                return await self.leave(email)
            known, saved = await self._save(known, form)
        return self.with_csrf(
            request,
            "preferences.html.j2",
            email=email,
            token=token,
            topics=self.topics,
            topic_label=subs.topic_label(self.config),
            chosen=known.topics,
            sentences=min(known.sentences or self.config.summary.sentences,
                          self.config.summary.sentences),
            max_sentences=self.config.summary.sentences,
            paused=known.status == subs.PAUSED,
            saved=saved,
        )  # fmt: skip

    async def _save(self, known: subs.Subscriber, form: FormData) -> tuple[Any, str]:
        chosen = form.getlist("topic") if len(self.topics) > 1 else self.topics
        topics = subs.clean_topics(self.config, chosen)
        if len(self.topics) > 1 and not set(chosen) & set(self.topics):
            raise HTTPException(400, "Choose at least one.")
        raw = _one(form, "sentences") or ""
        if not raw.isdigit() or not 1 <= int(raw) <= self.config.summary.sentences:
            raise HTTPException(400, "Sentences per story must be a number from the list.")
        sentences = int(raw)
        if sentences == self.config.summary.sentences:
            sentences = None  # the default: follows summary.sentences if the operator changes it
        paused = _one(form, "paused") == "1"
        now = datetime.now(self.config.tz)
        updated = await run_in_threadpool(
            self.store.update_subscriber,
            known.email,
            topics=topics,
            sentences=sentences,
            paused=paused,
            now=now,
        )
        logger.info("Web: %s changed preferences", known.email)
        return updated or known, "Saved. Paused: nothing is sent until you untick it." if paused \
            else "Saved."  # fmt: skip

    async def unsubscribe(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            email = self.tokens.read_address(UNSUBSCRIBE, token)
        except BadToken:
            return self.bad_link()
        if request.method != "POST":
            # Link scanners prefetch GETs: a GET alone never unsubscribes.
            return self.page(
                "unsubscribe.html.j2",
                email=email,
                token=token,
                prefs_token=self.tokens.preferences(email),
            )
        # RFC 8058: the mailbox provider POSTs "List-Unsubscribe=One-Click" (urlencoded or
        # multipart) with no cookie; the signed URL is the authority, so no CSRF token here.
        form = await self.form(request, csrf=False)
        if _one(form, "List-Unsubscribe") != "One-Click":
            raise HTTPException(400, "This address takes List-Unsubscribe=One-Click.")
        return await self.leave(email)

    async def leave(self, email: str) -> Response:
        now = datetime.now(self.config.tz)
        cancelled = await run_in_threadpool(self.store.unsubscribe, email, now)
        if cancelled is not None:
            logger.info(
                "Web: %s unsubscribed; %d pending %s cancelled",
                email,
                cancelled,
                "delivery" if cancelled == 1 else "deliveries",
            )
        return self.message(
            "You are unsubscribed",
            f"{self.config.title} will not be sent to {email} any more, not even a digest"
            " already on its way.",
            link={"href": f"{self.root}/subscribe", "text": "Changed your mind? Subscribe again"},
        )

    def not_subscribed(self, email: str) -> Response:
        return self.message(
            "Not subscribed",
            f"{email} does not get {self.config.title}.",
            link={"href": f"{self.root}/subscribe", "text": "Subscribe"},
        )

    # -- errors --------------------------------------------------------------------------

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        status = exc.status_code
        headings = {
            400: "That request cannot be used",
            403: "This form has expired",
            404: "Not found",
            405: "Not allowed",
            413: "That is too much",
            429: "Too many tries",
        }
        lines = {
            403: "Reload the page and send the form again (it needs the cookie the page set).",
            404: "There is no page here.",
            405: "This page does not take that method.",
            413: f"A form here is never more than {MAX_BODY // 1024} KB.",
            429: "Too many attempts from your address; try again in a few minutes.",
        }
        detail = exc.detail if status == 400 and exc.detail not in (None, "", "Bad Request") \
            else lines.get(status, "")  # fmt: skip
        response = self.message(
            headings.get(status, "That did not work"), detail, status=status,
            link={"href": f"{self.root}/", "text": "All digests"},
        )  # fmt: skip
        if status == 405 and exc.headers:
            response.headers.update(exc.headers)
        return response

    async def server_error(self, request: Request, exc: Exception) -> Response:
        # Readers never see the operator's problems: the log gets the traceback.
        logger.error(
            "Web: %s %s failed: %s", request.method, _redacted(request.url.path), exc,
            exc_info=exc if not isinstance(exc, DigestError) else None,
        )  # fmt: skip
        return PlainTextResponse(
            "Something went wrong on our side. Please try again later.\n", status_code=500
        )


def _one(form: FormData, key: str) -> str | None:
    value = form.get(key)
    return value if isinstance(value, str) else None


def _redacted(path: str) -> str:
    """Paths carry tokens: logs keep the route, not the capability."""
    return TOKEN_PATH.sub(lambda m: f"/{m[1]}/<token>", path)


class Guard:
    """Outermost ASGI middleware: caps request bodies (refused before they are read when the
    length is declared, cut off when not), and adds security headers to every response."""

    def __init__(self, app: Any, refuse: Callable[[int], Response]) -> None:
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await self.refuse(413 if length.isdigit() else 400)(scope, receive, secured)
            return
        received = 0

        async def limited() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, secured)


def build_app(config: Config, store: Any, *, secret: str) -> Starlette:
    web = Web(config, store, secret=secret)
    read = ["GET", "HEAD"]
    both = ["GET", "HEAD", "POST"]

    def refuse(status: int) -> Response:
        return web.message(
            "That is too much" if status == 413 else "That request cannot be used",
            f"A form here is never more than {MAX_BODY // 1024} KB.",
            status=status,
        )

    routes = [
        Route("/", web.index, methods=read),
        Route("/feed.xml", web.feed, methods=read),
        Route("/healthz", web.healthz, methods=read),
        Route("/subscribe", web.subscribe, methods=both),
        Route("/confirm/{token}", web.confirm, methods=both),
        Route("/preferences/{token}", web.preferences, methods=both),
        Route("/unsubscribe/{token}", web.unsubscribe, methods=both),
        Route("/{name}.html", web.digest_page, methods=read),
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        HTTPException: web.http_error,
        Exception: web.server_error,
    }
    app = Starlette(
        routes=routes,
        exception_handlers=handlers,
        middleware=[Middleware(Guard, refuse=refuse)],
    )
    app.state.web = web
    return app
