"""Answering CloudFormation: which URLs, and a PUT that is checked and bounded."""

from __future__ import annotations

import json
import threading
import time

import pytest

from localcloud.receiver import Receiver
from solution_rules.response import (
    PUT_ATTEMPTS,
    NoAnswer,
    allowed_hosts,
    check_url,
    deliver,
    signature_times,
)

SIGV4 = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=abc123"
SIGV2 = "AWSAccessKeyId=AKIAEXAMPLE&Expires=1700000000&Signature=abc%2Bdef%3D"
KEY = "arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/s/1%7CRes%7Creq"


@pytest.mark.parametrize(
    "url",
    [
        f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/{KEY}?{SIGV2}",
        f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/{KEY}?{SIGV2}",
        f"https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-usgovwest1.s3.us-gov-west-1.amazonaws.com/{KEY}?{SIGV4}",
        f"https://CloudFormation-Custom-Resource-Response-useast1.S3.amazonaws.com/{KEY}?{SIGV4}",
        f"https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/{KEY}?{SIGV2}",
        f"https://s3.us-west-2.amazonaws.com/cloudformation-custom-resource-response-uswest2/{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-euscdeeast1.s3.eusc-de-east-1.amazonaws.eu/{KEY}?{SIGV4}",
        f"https://s3.eusc-de-east-1.amazonaws.eu/cloudformation-custom-resource-response-euscdeeast1/{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-usisoeast1.s3.us-iso-east-1.c2s.ic.gov/{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com/{KEY}?{SIGV2}",
    ],
)
def test_cloudformation_response_buckets_are_answered(url):
    assert check_url(url, frozenset()).parts.scheme == "https"


@pytest.mark.parametrize(
    "url",
    [
        f"http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/{KEY}?{SIGV4}",
        f"https://s3.amazonaws.com@evil.example/{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com@evil.example/?{SIGV4}",
        f"https://user:pw@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/?{SIGV4}",
        f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/?{SIGV4}",
        f"https://evil-cloudformation-custom-resource-response-useast1.s3.amazonaws.com/?{SIGV4}",
        f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/?{SIGV4}",
        f"https://cloudformation-custom-resource-response-useast1.s3.evil.com/?{SIGV4}",
        f"https://s3.amazonaws.com/my-bucket/{KEY}?{SIGV4}",
        f"https://52.216.8.1/{KEY}?{SIGV4}",
        f"https://[::1]/{KEY}?{SIGV4}",
        f"ftp://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/?{SIGV4}",
        f"https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/../evil/{KEY}?{SIGV4}",
        f"https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/%2e%2e/evil/?{SIGV4}",
        f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/./{KEY}?{SIGV4}",
        f"https://cloudformation-custom-resource-response-xx.s3.eu-west-1.amazonaws.eu/{KEY}?{SIGV4}",
        f"file:///etc/passwd?{SIGV4}",
        f"http://127.0.0.1:8080/{KEY}?{SIGV4}",
        "",
        None,
        12,
        "https://[bad",
    ],
)
def test_everything_else_is_refused_without_showing_the_query(url):
    with pytest.raises(NoAnswer) as caught:
        check_url(url, frozenset())
    assert "Signature" not in str(caught.value)
    assert "Credential" not in str(caught.value)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "home"),
    [
        (
            f"https://cloudformation-custom-resource-response-useast9.s3.us-east-9.amazonaws.com/{KEY}?{SIGV4}",
            "us-east-9",
        ),
        (
            f"https://s3-us-east-9.amazonaws.com/cloudformation-custom-resource-response-useast9/{KEY}?{SIGV4}",
            "us-east-9",
        ),
        (
            f"https://cloudformation-custom-resource-response-nznorth1.s3.nz-north-1.amazonaws.com/{KEY}?{SIGV4}",
            "nz-north-1",
        ),
        (
            f"https://s3.ap-south-central-1.amazonaws.com/cloudformation-custom-resource-response-apsouthcentral1/{KEY}?{SIGV4}",
            "ap-south-central-1",
        ),
    ],
)
def test_a_bucket_in_a_region_botocore_does_not_know_is_answered_only_from_that_region(url, home):
    """The same rule as SolutionArn's: a listed region, or the function's own (a region newer
    than its botocore, even of a prefix or shape its patterns lack, where CloudFormation's bucket
    is the stack's region's, as the function's)."""
    for elsewhere in ("us-east-1", "nz-south-1"):
        with pytest.raises(NoAnswer):
            check_url(url, frozenset(), home=elsewhere)
    assert check_url(url, frozenset(), home=home).parts.scheme == "https"


def test_listed_hosts_may_use_plain_http():
    hosts = allowed_hosts(" 127.0.0.1, LocalHost ,")
    assert hosts == {"127.0.0.1", "localhost"}
    assert check_url(f"http://127.0.0.1:8085/r?{SIGV4}", hosts).parts.port == 8085
    assert check_url("http://localhost/r", hosts).described == "http://localhost/r"
    with pytest.raises(NoAnswer):
        check_url("http://127.0.0.2/r", hosts)


class Sender:
    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, target, body, timeout):
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else self.answers_default
        if isinstance(answer, Exception):
            raise answer
        return answer

    answers_default = 503


def target():
    return check_url("http://127.0.0.1/r?X-Amz-Signature=s", {"127.0.0.1"})


def test_5xx_then_success_is_delivered():
    send = Sender([503, ConnectionResetError(), 200])
    assert deliver(target(), b"{}", lambda: 30.0, lambda _: None, send, lambda _: None)
    assert send.calls == 3


def test_403_gives_up_at_once():
    """An expired presigned URL will not heal: never loop on it (crhelper loops forever)."""
    send = Sender([403])
    logs: list[str] = []
    assert not deliver(target(), b"{}", lambda: 30.0, logs.append, send, lambda _: None)
    assert send.calls == 1
    assert not any("Signature" in line for line in logs)


def test_endless_5xx_is_bounded():
    send = Sender([])
    assert not deliver(target(), b"{}", lambda: 30.0, lambda _: None, send, lambda _: None)
    assert send.calls == PUT_ATTEMPTS


def test_no_attempt_once_the_time_is_gone():
    send = Sender([200])
    assert not deliver(target(), b"{}", lambda: 0.0, lambda _: None, send, lambda _: None)
    assert send.calls == 0


def test_a_hanging_bucket_is_bounded_by_the_time_left():
    threads = threading.active_count()
    with Receiver(script=["hang:5", "hang:5", "hang:5"]) as bucket:
        url = bucket.url_for("r")
        ends = time.monotonic() + 1.5
        started = time.monotonic()
        delivered = deliver(
            check_url(url, {"127.0.0.1"}), b"{}", lambda: ends - time.monotonic(), lambda _: None
        )
        assert not delivered
        assert time.monotonic() - started < 3.0
    settled = time.monotonic() + 1.0  # the hanging handler ends with the receiver, not 5 s on
    while threading.active_count() > threads and time.monotonic() < settled:
        time.sleep(0.02)
    assert threading.active_count() == threads


def test_plain_http_listed_host_really_receives_the_put():
    """crhelper's sender always speaks HTTPS; ours honours the scheme."""
    with Receiver() as bucket:
        url = bucket.url_for("r1")
        body = json.dumps({"Status": "SUCCESS", "Data": {"A": "b"}}).encode()
        assert deliver(check_url(url, {"127.0.0.1"}), body, lambda: 5.0, lambda _: None)
        [received] = bucket.responses_for("r1")
        assert received.body["Data"] == {"A": "b"}
        assert received.content_type == ""


@pytest.mark.parametrize(
    "host",
    [
        "cloudformation-custom-resource-response-useast1.s3.us-ea_st-1.amazonaws.com",
        "cloudformation-custom-resource-response-useast1.s3-us-ea_st-1.amazonaws.com",
        "s3.us-ea_st-1.amazonaws.com/cloudformation-custom-resource-response-useast1",
    ],
)
def test_a_region_of_letters_a_region_never_has_is_not_a_response_bucket(host):
    """The allow-list's region patterns are ASCII letters and digits, not \\w (which takes _)."""
    with pytest.raises(NoAnswer):
        check_url(f"https://{host}/{KEY}?{SIGV4}", frozenset())


@pytest.mark.parametrize(
    ("query", "signed", "expires"),
    [
        ("X-Amz-Date=20261122T000000Z&X-Amz-Expires=7200", 1795305600.0, 1795312800.0),
        ("AWSAccessKeyId=A&Expires=1700000000&Signature=s", None, 1700000000.0),
        ("X-Amz-Date=20261322T000000Z&X-Amz-Expires=7200", None, None),
        ("X-Amz-Date=20261122T000000Z&X-Amz-Expires=604801", None, None),
        ("X-Amz-Date=\u0662\u0660\u0662\u0666" + "1122T000000Z&X-Amz-Expires=7200", None, None),
        ("Expires=soon", None, None),
        ("", None, None),
    ],
)
def test_signing_and_expiry_times_are_read_only_in_their_documented_form(query, signed, expires):
    assert signature_times(query) == (signed, expires)
