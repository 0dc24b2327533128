"""The message formats of the group-chat robots and DingTalk's and Feishu's signatures.

WeCom:    POST {"msgtype": "markdown", "markdown": {"content": ...}}; answer {"errcode": 0}.
DingTalk: POST {"msgtype": "markdown", "markdown": {"title", "text"}}; with a secret, the address
          gets &timestamp=<ms>&sign=<base64(HMAC-SHA256(secret, "<ms>\\n<secret>"))>; answer
          {"errcode": 0}.
Feishu:   POST {"msg_type": "text", "content": {"text"}}; with a secret, the body also carries
          "timestamp" (seconds) and "sign" = base64(HMAC-SHA256(key="<s>\\n<secret>", msg=""));
          answer {"code": 0} (older robots: {"StatusCode": 0}).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from baozhang.notifications.models import Platform


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def message_text(title: str, body: str, link: str) -> str:
    return "\n".join(part for part in (title, body, link) if part)


def request_for(
    platform: str, url: str, secret: str, *, title: str, body: str, link: str, now: float
) -> tuple[str, dict]:
    """The address and JSON body to POST for one message on the platform."""
    if platform == Platform.WECOM:
        content = f"**{title}**\n" + "\n".join(part for part in (body, link) if part)
        return url, {"msgtype": "markdown", "markdown": {"content": content.strip()}}
    if platform == Platform.DINGTALK:
        text = f"### {title}\n\n" + "\n\n".join(part for part in (body, link) if part)
        payload = {"msgtype": "markdown", "markdown": {"title": title, "text": text.strip()}}
        if secret:
            timestamp = int(now * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(secret, timestamp))
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}timestamp={timestamp}&sign={sign}"
        return url, payload
    if platform == Platform.FEISHU:
        payload: dict = {"msg_type": "text", "content": {"text": message_text(title, body, link)}}
        if secret:
            timestamp = int(now)
            payload["timestamp"] = str(timestamp)
            payload["sign"] = feishu_sign(secret, timestamp)
        return url, payload
    raise ValueError(platform)


@dataclass
class Answer:
    ok: bool
    status_code: int | None
    response: str
    error: str


def answer_ok(platform: str, document: object) -> bool:
    """Whether the robot's JSON answer says the message was taken."""
    if not isinstance(document, dict):
        return False
    if platform == Platform.FEISHU:
        code = document.get("code", document.get("StatusCode"))
    else:
        code = document.get("errcode")
    return code == 0


def post(platform: str, url: str, payload: dict, *, timeout: float) -> Answer:
    """POST the message; any failure (refused, timeout, HTTP error, a refusal in the answer) is an
    Answer with ok False and the reason, never an exception."""
    if not url.startswith(("https://", "http://")):
        return Answer(False, None, "", "the address must start with https:// or http://")
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            text = response.read(4000).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        text = error.read(2000).decode("utf-8", "replace") if error.fp else ""
        return Answer(False, error.code, text, f"HTTP {error.code}")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return Answer(False, None, "", f"{type(error).__name__}: {reason}")
    try:
        document = json.loads(text)
    except ValueError:
        return Answer(False, status, text, "not a JSON answer")
    if not answer_ok(platform, document):
        return Answer(False, status, text, "refused by the robot")
    return Answer(True, status, text, "")


def now_seconds() -> float:
    return time.time()
