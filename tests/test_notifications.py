"""Notifications: the inbox, e-mail and the three group-chat robots, sent by the real background
worker to a local receiver that checks each platform's message shape and signature; retries with
back-off, a robot that never answers, and actions that never wait for or lose to a robot."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_scopes import scope, scopes_disabled

from baozhang.inspections.services import FindingInput
from baozhang.notifications.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
    Webhook,
)
from baozhang.notifications.robots import dingtalk_sign, feishu_sign
from baozhang.orgs.access import access_organisation
from baozhang.orgs.models import Person
from baozhang.rectification import jobs, services
from baozhang.rectification.models import Task
from tests.factories import member
from tests.inspection_data import at, submit

pytestmark = pytest.mark.django_db(transaction=True)

DING_SECRET = "SECdingtalk-test-secret"
FEISHU_SECRET = "feishu-test-secret"


class Receiver:
    """A robot platform on 127.0.0.1: answers like WeCom, DingTalk and Feishu do, refusing a
    message of the wrong shape or with a bad signature; /flaky fails twice, /slow never answers
    in time."""

    def __init__(self):
        self.received: list[dict] = []
        self.flaky_failures = 2
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                query = dict(urllib.parse.parse_qsl(url.query))
                receiver.received.append({"path": url.path, "query": query, "body": body})
                if url.path == "/slow":
                    time.sleep(1.5)
                if url.path == "/flaky" and receiver.flaky_failures > 0:
                    receiver.flaky_failures -= 1
                    self.send_response(502)
                    self.end_headers()
                    return
                answer = receiver.answer(url.path, query, body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        # stop() waits for the serving loop to look up, which it does every poll interval.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    @staticmethod
    def answer(path: str, query: dict, body: dict) -> dict:
        if path in ("/wecom", "/flaky", "/slow"):
            ok = body.get("msgtype") == "markdown" and body["markdown"].get("content")
            return {"errcode": 0 if ok else 40008, "errmsg": "ok" if ok else "invalid message"}
        if path == "/dingtalk":
            expected = dingtalk_sign(DING_SECRET, int(query.get("timestamp", 0)))
            if query.get("sign") != expected:
                return {"errcode": 310000, "errmsg": "sign not match"}
            ok = body.get("msgtype") == "markdown" and {"title", "text"} <= set(body["markdown"])
            return {"errcode": 0 if ok else 40035, "errmsg": "ok"}
        if path == "/feishu":
            if body.get("sign") != feishu_sign(FEISHU_SECRET, int(body.get("timestamp", 0))):
                return {"code": 19021, "msg": "sign match fail"}
            ok = body.get("msg_type") == "text" and body["content"].get("text")
            return {"code": 0 if ok else 9499, "msg": "success"}
        return {"errcode": 404}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def fast_retries(settings):
    settings.BAOZHANG_NOTIFY_BACKOFF_SECONDS = 0
    settings.BAOZHANG_WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def worker():
    call_command("db_worker", "--batch", "--interval", "0", verbosity=0)


@pytest.fixture
def scene(dorms, fast_retries):
    org = dorms["org"]
    inspector = member(org, "inspector", username="inspector")
    head = member(org, "unit_head", username="head0852", unit=dorms["first"])
    with scopes_disabled():
        Person.objects.filter(user=head).update(email="head0852@example.com")
    with scope(organisation=org):
        inspection, _created = submit(
            dorms, "2026-11-16", FindingInput(item_id=dorms["items"]["地面有垃圾"].pk, note="门后")
        )
    return {
        **dorms,
        "finding": inspection.findings.get(),
        "inspector": access_organisation(user=inspector, slug=org.slug, permission="setup.view"),
        "head_user": head,
    }


def robot(org, name, platform, url, secret="", events=None):
    with scopes_disabled():
        return Webhook.objects.create(
            organisation=org,
            name=name,
            platform=platform,
            url=url,
            secret=secret,
            **({"events": events} if events else {}),
        )


def open_task(scene, now=None):
    with scope(organisation=scene["org"]):
        return services.task_open(
            access=scene["inspector"], finding=scene["finding"], now=now or at("2026-11-16")
        )


def test_a_new_task_reaches_inbox_mail_and_every_robot_in_its_format(scene, receiver):
    org = scene["org"]
    robot(org, "企业微信群", "wecom", receiver.url("/wecom"))
    robot(org, "钉钉群", "dingtalk", receiver.url("/dingtalk"), DING_SECRET)
    robot(org, "飞书群", "feishu", receiver.url("/feishu"), FEISHU_SECRET)
    robot(org, "只收日报", "wecom", receiver.url("/wecom"), events=["digest"])
    task = open_task(scene)
    # Nothing is sent inside the action: the deliveries wait for the worker.
    assert receiver.received == []
    with scopes_disabled():
        assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
        inbox = Notification.objects.get(person__user=scene["head_user"])
        assert inbox.event == "task_opened" and "0852班" in inbox.body
        assert inbox.link == f"/o/{org.slug}/tasks/{task.pk}/"
    worker()
    paths = sorted(request["path"] for request in receiver.received)
    assert paths == ["/dingtalk", "/feishu", "/wecom"]
    by_path = {request["path"]: request for request in receiver.received}
    assert "新整改任务" in by_path["/wecom"]["body"]["markdown"]["content"]
    assert by_path["/dingtalk"]["body"]["markdown"]["title"] == "新整改任务"
    assert "0852班" in by_path["/feishu"]["body"]["content"]["text"]
    assert f"/tasks/{task.pk}/" in by_path["/feishu"]["body"]["content"]["text"]
    with scopes_disabled():
        assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
        attempts = DeliveryAttempt.objects.all()
        assert len(attempts) == 4  # three robots and one e-mail, each once
        assert all(attempt.ok for attempt in attempts)
    assert [message.to for message in mail.outbox] == [["head0852@example.com"]]
    assert mail.outbox[0].subject == "新整改任务"


def test_a_bad_signature_is_a_failed_attempt_with_the_robots_answer(scene, receiver, settings):
    settings.BAOZHANG_NOTIFY_MAX_ATTEMPTS = 2
    robot(scene["org"], "钉钉群", "dingtalk", receiver.url("/dingtalk"), "SECwrong")
    open_task(scene)
    worker()
    with scopes_disabled():
        delivery = Delivery.objects.get(channel="webhook")
        assert delivery.status == DeliveryStatus.FAILED
        attempts = list(delivery.attempt_log.all())
        assert [attempt.number for attempt in attempts] == [1, 2]
        assert "sign not match" in attempts[0].response
        assert attempts[0].error == "refused by the robot"


def test_a_robot_failing_twice_gets_the_message_on_the_third_attempt(scene, receiver):
    robot(scene["org"], "不稳定", "wecom", receiver.url("/flaky"))
    open_task(scene)
    worker()
    with scopes_disabled():
        delivery = Delivery.objects.get(channel="webhook")
        assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
        log = list(delivery.attempt_log.values_list("number", "ok", "status_code"))
        assert log == [(1, False, 502), (2, False, 502), (3, True, 200)]
    assert len(receiver.received) == 3


def test_back_off_doubles_between_attempts(scene, receiver, settings):
    settings.BAOZHANG_NOTIFY_BACKOFF_SECONDS = 30
    robot(scene["org"], "不稳定", "wecom", receiver.url("/flaky"))
    open_task(scene)
    worker()  # the first attempt fails; the second waits for its turn
    with scopes_disabled():
        delivery = Delivery.objects.get(channel="webhook")
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
        first = delivery.attempt_log.get()
        wait = (delivery.next_attempt_at - first.at).total_seconds()
        assert 30 <= wait < 35
        from baozhang.notifications.services import backoff

        assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]


def test_a_robot_that_never_answers_neither_blocks_nor_loses_the_action(scene, receiver, settings):
    settings.BAOZHANG_NOTIFY_MAX_ATTEMPTS = 2
    robot(scene["org"], "无响应", "wecom", receiver.url("/slow"))
    started = time.monotonic()
    task = open_task(scene)
    assert time.monotonic() - started < 1.0  # the action does not wait for the robot
    worker()
    with scopes_disabled():
        assert Task.objects.filter(pk=task.pk, status="open").exists()
        delivery = Delivery.objects.get(channel="webhook")
        assert delivery.status == DeliveryStatus.FAILED
        errors = list(delivery.attempt_log.values_list("error", flat=True))
        assert len(errors) == 2 and all("timed out" in error for error in errors)


def test_an_action_rolled_back_sends_nothing(scene, receiver):
    robot(scene["org"], "企业微信群", "wecom", receiver.url("/wecom"))
    with pytest.raises(RuntimeError), transaction.atomic():
        open_task(scene)
        raise RuntimeError("the caller fails after opening the task")
    worker()
    assert receiver.received == []
    with scopes_disabled():
        assert not Delivery.objects.exists() and not Task.objects.exists()


def test_rejection_reminder_escalation_and_digest_reach_the_right_people(scene, receiver):
    org = scene["org"]
    admin = member(org, "admin", username="admin")
    leader = member(org, "patrol_leader", username="leader")
    robot(org, "企业微信群", "wecom", receiver.url("/wecom"))
    task = open_task(scene)  # normal: due Thursday 19th 10:00
    head = access_organisation(user=scene["head_user"], slug=org.slug, permission="setup.view")
    with scope(organisation=org):
        services.task_submit(access=head, task=task, note="已清扫", now=at("2026-11-16", "15:00"))
        services.task_reject(
            access=scene["inspector"], task=task, reason="仍有纸屑", now=at("2026-11-16", "16:00")
        )
        services.deadlines_process(organisation=org, now=at("2026-11-19", "00:00"))  # reminder
        services.deadlines_process(organisation=org, now=at("2026-11-19", "10:30"))  # department
        services.deadlines_process(organisation=org, now=at("2026-11-22", "10:30"))  # leader

    def events_of(user):
        with scopes_disabled():
            return sorted(
                Notification.objects.filter(person__user=user).values_list("event", flat=True)
            )

    assert events_of(scene["head_user"]) == sorted(
        ["task_opened", "task_rejected", "reminder", "escalated", "escalated"]
    )
    assert events_of(scene["inspector"].user) == ["task_submitted"]
    assert events_of(admin) == ["escalated", "escalated"]
    assert events_of(leader) == ["escalated"]
    # The robot is told of the new task, the reminder and both escalations (its default events).
    worker()
    titles = [
        request["body"]["markdown"]["content"].split("\n")[0] for request in receiver.received
    ]
    assert sorted(titles) == sorted(
        [
            "**新整改任务**",
            "**整改期限临近**",
            "**逾期整改已升级至：职能部门**",
            "**逾期整改已升级至：分管领导**",
        ]
    )
    # The daily digest: once a day from the digest hour, to admins, leaders and the robot.
    receiver.received.clear()
    assert jobs.digest(at("2026-11-23", "07:50")) == 0
    assert jobs.digest(at("2026-11-23", "08:05")) == 1
    assert jobs.digest(at("2026-11-23", "12:00")) == 0
    worker()
    assert len(receiver.received) == 1
    text = receiver.received[0]["body"]["markdown"]["content"]
    assert "整改日报 2026-11-23" in text and "逾期：1" in text
    assert "digest" in events_of(admin) and "digest" in events_of(leader)


def test_the_admin_sees_every_attempt_and_sends_a_failed_one_again(
    scene, receiver, client, settings
):
    settings.BAOZHANG_NOTIFY_MAX_ATTEMPTS = 1
    org = scene["org"]
    robot(org, "不稳定", "wecom", receiver.url("/flaky"))
    open_task(scene)
    worker()
    admin = member(org, "admin", username="admin")
    client.force_login(admin)
    page = client.get(f"/o/{org.slug}/notifications/deliveries/").content.decode()
    assert "HTTP 502" in page and "不稳定" in page
    with scopes_disabled():
        delivery = Delivery.objects.get(channel="webhook")
    assert delivery.status == DeliveryStatus.FAILED
    response = client.post(f"/o/{org.slug}/notifications/deliveries/", {"delivery": delivery.pk})
    assert response.status_code == 302
    worker()  # the robot failed once more, then the admin's resend: fails (2 left → 1 more)
    with scopes_disabled():
        delivery.refresh_from_db()
        log = list(delivery.attempt_log.values_list("number", "ok"))
    assert log == [(1, False), (2, False)]
    client.post(f"/o/{org.slug}/notifications/deliveries/", {"delivery": delivery.pk})
    worker()
    with scopes_disabled():
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT
        assert list(delivery.attempt_log.values_list("number", "ok"))[-1] == (3, True)
    # The inbox: the unit head reads the message and lands on the task.
    client.force_login(scene["head_user"])
    with scopes_disabled():
        note = Notification.objects.get(person__user=scene["head_user"])
    inbox = client.get(f"/o/{org.slug}/inbox/").content.decode()
    assert note.title in inbox
    assert client.get(f"/o/{org.slug}/").content.decode().count('data-testid="inbox-unread"') == 1
    opened = client.post(f"/o/{org.slug}/inbox/", {"notification": note.pk})
    assert opened.status_code == 302 and opened["Location"] == note.link
    with scopes_disabled():
        note.refresh_from_db()
        assert note.read_at is not None


def test_robots_are_managed_by_the_admin_only(scene, client):
    org = scene["org"]
    client.force_login(scene["head_user"])
    assert client.get(f"/o/{org.slug}/notifications/robots/").status_code == 403
    admin = member(org, "admin", username="admin")
    client.force_login(admin)
    response = client.post(
        f"/o/{org.slug}/notifications/robots/",
        {
            "name": "钉钉群",
            "platform": "dingtalk",
            "url": "ftp://robot.example/x",
            "secret": DING_SECRET,
            "events": ["task_opened"],
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "https://" in response.content.decode()
    with scopes_disabled():
        assert not Webhook.objects.exists()
    response = client.post(
        f"/o/{org.slug}/notifications/robots/",
        {
            "name": "钉钉群",
            "platform": "dingtalk",
            "url": "https://oapi.dingtalk.com/robot/send?access_token=x",
            "secret": DING_SECRET,
            "events": ["task_opened", "digest"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        hook = Webhook.objects.get()
    assert hook.events == ["task_opened", "digest"] and hook.secret == DING_SECRET
    # The signing secret stays out of the audit trail.
    assert not hasattr(hook.history.first(), "secret")


def test_signatures_match_the_platforms_documented_examples():
    # DingTalk: HMAC-SHA256 over "timestamp\nsecret" keyed by the secret, then Base64.
    expected = base64.b64encode(
        hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    ).decode()
    assert dingtalk_sign("SECabc", 1700000000000) == expected
    # Feishu: HMAC-SHA256 keyed by "timestamp\nsecret" over an empty message, then Base64.
    expected = base64.b64encode(hmac.new(b"1700000000\nabc", b"", hashlib.sha256).digest()).decode()
    assert feishu_sign("abc", 1700000000) == expected
    assert dt.datetime.fromtimestamp(1700000000, dt.UTC).year == 2023
