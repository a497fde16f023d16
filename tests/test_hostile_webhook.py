"""The webhook of a schedule against a careless receiver (issue 14 part 7): retried when it
fails, given up on a refusal, timed out when it does not answer, stopped with the scheduler, and
signed with the schedule's secret or the environment's."""

from __future__ import annotations

import http.server
import json
import logging
import threading
import time

import pytest
from cli_errors import assert_one_line_exit_2, invoke

from scanner.fleet import schedule as sched
from scanner.fleet import webhook

URL = "https://www.example.com/"


# -- the webhook --------------------------------------------------------------------------------


class Flaky(http.server.BaseHTTPRequestHandler):
    """Answers the first ``failures`` POSTs with 503 (then 500), later ones with 204."""

    answers: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Flaky.received.append((dict(self.headers), body))
        status = Flaky.answers.pop(0) if Flaky.answers else 204
        if status == 0:  # hang up without an answer
            self.close_connection = True
            return
        if status == -1:  # answer too late
            time.sleep(10)
            status = 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    Flaky.received, Flaky.answers = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook?token=private"
    server.shutdown()
    server.server_close()


def test_the_webhook_retries_a_failing_receiver_and_signs_every_attempt(flaky, caplog):
    Flaky.answers = [503, 0, 500]
    payload = {"schedule": "shop", "new_findings": [{"type": "tracking_before_consent"}]}
    with caplog.at_level(logging.INFO, logger="cookiescan.webhook"):
        assert webhook.notify(flaky, payload, secret="s3cret", backoff=0.01)
    assert len(Flaky.received) == 4  # 503, a hang-up, 500, then 204
    ids = {headers[webhook.DELIVERY_HEADER] for headers, _ in Flaky.received}
    assert len(ids) == 1  # one delivery, tried four times
    for headers, body in Flaky.received:
        assert json.loads(body) == payload
        assert webhook.verify("s3cret", body, headers[webhook.SIGNATURE_HEADER])
        assert not webhook.verify("other", body, headers[webhook.SIGNATURE_HEADER])
    assert "sent (attempt 4)" in caplog.text and "private" not in caplog.text


def test_the_webhook_gives_up_on_a_refusal_and_after_its_attempts(flaky):
    Flaky.answers = [400]
    assert not webhook.notify(flaky, {"a": 1}, backoff=0.01)
    assert len(Flaky.received) == 1  # a 400 is not tried again
    Flaky.received.clear()
    Flaky.answers = [503, 503, 503]
    assert not webhook.notify(flaky, {"a": 1}, attempts=3, backoff=0.01)
    assert len(Flaky.received) == 3
    assert webhook.SIGNATURE_HEADER not in Flaky.received[0][0]  # no secret, no signature


def test_the_webhook_times_out_a_receiver_that_does_not_answer(flaky):
    Flaky.answers = [-1]
    started = time.monotonic()
    assert webhook.notify(flaky, {"a": 1}, timeout=0.5, attempts=2, backoff=0.01)
    assert len(Flaky.received) == 2 and time.monotonic() - started < 8  # not 10: timed out


def test_a_stopping_scheduler_stops_the_retries(flaky):
    Flaky.answers = [503] * 5
    stop = threading.Event()
    stop.set()
    assert not webhook.notify(flaky, {"a": 1}, attempts=5, backoff=30, cancel=stop)
    assert len(Flaky.received) == 1


def test_a_schedule_signs_with_its_secret_or_the_environment(flaky, monkeypatch, tmp_path):
    monkeypatch.setenv(webhook.SECRET_ENV, "from-env")
    assert sched.send_report({"webhook": flaky}, {"schedule": "a"})
    assert sched.send_report({"webhook": flaky, "webhook_secret": "stored"}, {"schedule": "b"})
    (h1, b1), (h2, b2) = Flaky.received
    assert webhook.verify("from-env", b1, h1[webhook.SIGNATURE_HEADER])
    assert webhook.verify("stored", b2, h2[webhook.SIGNATURE_HEADER])
    # The secret is stored with the schedule, never listed.
    store = str(tmp_path / "s.sqlite")
    added = invoke("schedule", "add", URL, "--every", "60", "--webhook", flaky,
                   "--webhook-secret", "hush", "--store", store)  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = invoke("schedule", "list", "--verbose", "--store", store)
    assert "hush" not in added.output + listed.output
    no_hook = ["--every", "60", "--webhook-secret", "x", "--id", "b", "--store", store]
    assert_one_line_exit_2(invoke("schedule", "add", URL, *no_hook), "needs a webhook")
