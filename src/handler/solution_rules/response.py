"""Answering CloudFormation: which ResponseURLs we answer, and a bounded, checked PUT.

Replaces crhelper's sender, which always speaks HTTPS, never reads the status and retries forever.
The presigned URL is a credential: it never appears in a log line or an error text; only
`describe_url` (scheme, host, path) is ever shown. Shared by the function and its on-failure
destination (standard library only), so both answer the same URLs in the same way.
"""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from .partitions import is_s3_endpoint
from .records import NamedTuple

_BUCKET = r"cloudformation-custom-resource-response-[a-z0-9]+"
VIRTUAL_HOSTED = re.compile(rf"{_BUCKET}\.(?P<endpoint>.+)")
PATH_STYLE_BUCKET = re.compile(rf"/{_BUCKET}/")
SIGV4_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")  # X-Amz-Date (strptime's %Y would take any digit)
SIGV4_MAX_EXPIRES = 604_800  # SigV4 presigned URLs live at most 7 days
SECONDS = re.compile(r"[0-9]{1,12}")
PUT_ATTEMPTS = 5
PUT_ATTEMPT_TIMEOUT = 10.0
PUT_FIRST_PAUSE = 0.25  # doubled after each failed attempt


class NoAnswer(Exception):
    """The event names no ResponseURL we may answer: nothing is done and nothing is answered.
    The message never contains the URL's query (its presigned signature)."""


class ResponseTarget(NamedTuple):
    """A ResponseURL that passed the allow-list, split for http.client."""

    parts: SplitResult

    @property
    def described(self) -> str:
        """scheme://host/path, safe to log."""
        return describe_url(self.parts)

    @property
    def signature(self) -> Signature:
        """When the presigned URL was signed and when it expires, as far as its query says."""
        return signature_times(self.parts.query)


class Signature(NamedTuple):
    """Seconds since the epoch: `signed` (SigV4's X-Amz-Date) and `expires` (X-Amz-Date plus
    X-Amz-Expires, or SigV2's Expires); None where the query does not say it plainly."""

    signed: float | None = None
    expires: float | None = None


def signature_times(query: str) -> Signature:
    """The signing and expiry times of a presigned query. A parameter given twice, or not in
    its documented form, says nothing (a URL is refused as expired only on a plain reading)."""
    fields = parse_qs(query, keep_blank_values=True)

    def single(name: str) -> str | None:
        values = fields.get(name, [])
        return values[0] if len(values) == 1 else None

    date, lifetime = single("X-Amz-Date"), single("X-Amz-Expires")
    if date and lifetime and SIGV4_DATE.fullmatch(date) and SECONDS.fullmatch(lifetime):
        try:
            signed = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:  # a month 13, a day 32
            return Signature()
        if int(lifetime) <= SIGV4_MAX_EXPIRES:
            return Signature(signed, signed + int(lifetime))
        return Signature()
    expires = single("Expires")
    if expires and SECONDS.fullmatch(expires):
        return Signature(expires=float(expires))
    return Signature()


def describe_url(parts: SplitResult) -> str:
    """A URL with its query (the presigned signature) and userinfo removed."""
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def allowed_hosts(setting: str | None) -> frozenset[str]:
    """Extra hosts from RESPONSE_URL_ALLOWED_HOSTS (comma-separated), lower-cased."""
    return frozenset(h.strip().lower() for h in (setting or "").split(",") if h.strip())


def check_url(url: object, extra_hosts: Iterable[str], home: str | None = None) -> ResponseTarget:
    """Accept https on CloudFormation's response buckets, or any http(s) on an extra listed host;
    else raise NoAnswer (its message never contains the URL's query).
    A bucket's S3 endpoint may name a region botocore lists or the function's own (`home`), as
    a SolutionArn may."""
    if not isinstance(url, str) or not url:
        raise NoAnswer("ResponseURL is missing or not a string")
    if not url.isascii():  # a presigned URL is ASCII; http.client could not send another
        raise NoAnswer("ResponseURL has characters a URL cannot carry")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise NoAnswer("ResponseURL is not a valid URL") from None
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise NoAnswer(f"ResponseURL {describe_url(parts)} carries user information")
    if {".", ".."} & set(unquote(parts.path).split("/")):
        # a path-style URL would leave the response bucket once the path is normalised
        raise NoAnswer(f"ResponseURL {describe_url(parts)} has . or .. path segments")
    if host in set(extra_hosts) and parts.scheme in ("http", "https"):
        return ResponseTarget(parts)
    virtual = VIRTUAL_HOSTED.fullmatch(host)
    aws_host = (virtual and is_s3_endpoint(virtual["endpoint"], home)) or (
        (is_s3_endpoint(host, home) or host == "s3-external-1.amazonaws.com")
        and PATH_STYLE_BUCKET.match(parts.path)
    )
    if parts.scheme == "https" and port in (None, 443) and aws_host:
        return ResponseTarget(parts)
    raise NoAnswer(
        f"ResponseURL {describe_url(parts)} is not a CloudFormation response bucket "
        "and its host is not in RESPONSE_URL_ALLOWED_HOSTS"
    )


def put(target: ResponseTarget, body: bytes, timeout: float) -> int:
    """One PUT with an empty Content-Type, honouring the URL's scheme; returns the HTTP status."""
    parts = target.parts
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        connection.request(
            "PUT",
            f"{path}?{parts.query}" if parts.query else path,
            body=body,
            headers={"Content-Type": "", "Content-Length": str(len(body))},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def deliver(
    target: ResponseTarget,
    body: bytes,
    time_left: Callable[[], float],
    log: Callable[[str], None],
    send: Callable[[ResponseTarget, bytes, float], int] = put,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """PUT until a 2xx, a 4xx (never retried: an expired URL will not heal), or the budget ends."""
    pause = PUT_FIRST_PAUSE
    for attempt in range(1, PUT_ATTEMPTS + 1):
        budget = time_left()
        if budget <= 0:
            break
        try:
            status = send(target, body, min(PUT_ATTEMPT_TIMEOUT, budget))
        except (OSError, http.client.HTTPException) as error:
            failure = type(error).__name__
            log(f"Response PUT to {target.described} failed (attempt {attempt}): {failure}")
        else:
            if 200 <= status < 300:
                return True
            log(f"Response PUT to {target.described} answered HTTP {status} (attempt {attempt})")
            if 400 <= status < 500:
                return False
        if attempt < PUT_ATTEMPTS:
            sleep(min(pause, max(0.0, time_left())))
            pause *= 2
    return False
