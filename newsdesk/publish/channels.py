"""Channels a post can go to. Built-ins register by name, like plugins would.

``outbox`` writes files under ``publish.outbox_dir`` (default ``var/outbox/``:
nothing leaves the machine; an absolute path may be storage every worker
shares); ``wecom`` posts markdown to a WeCom group-robot webhook, split at the
4,096-byte message limit; ``apprise`` hands the post to any Apprise URL.
Webhook and Apprise URLs come from the environment variable the channel names
(``url_env``), never from desk.yaml.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import apprise
import requests
from urllib3.exceptions import NewConnectionError

from newsdesk.config import ChannelConfig, Settings
from newsdesk.errors import ConfigError, DeliveryUncertain, PublishError

WECOM_LIMIT = 4096


@dataclass(frozen=True)
class Message:
    post_id: int
    title: str
    body: str
    path_hint: str


class Channel(Protocol):
    """A place posts go. The publisher records each part's delivery between calls."""

    name: str

    def parts(self, message: Message) -> list[str]:
        """The pieces the channel sends the text in (one, unless it has a size limit)."""

    def send_part(self, message: Message, number: int, part: str) -> str:
        """Deliver part ``number`` (1-based); return an id for the record.

        Raise PublishError when the part certainly did not arrive (retried),
        DeliveryUncertain when it may have (never resent without a person).
        """

    def delivered(self, message: Message) -> bool | None:
        """After a run died mid-send: did the message arrive? None when the channel cannot tell."""


def _whole(message: Message) -> list[str]:
    return [message.body]


class OutboxChannel:
    """Files under the outbox directory, DAY/SLOT/…: written atomically, named by post id,
    so a re-send rewrites the same file. The directory may be shared storage."""

    parts = staticmethod(_whole)

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = directory

    def _path(self, message: Message) -> Path:
        return self.directory / message.path_hint / f"{self.name}-post{message.post_id}.md"

    def send_part(self, message: Message, number: int, part: str) -> str:
        path = self._path(message)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(part, encoding="utf-8")
            temporary.replace(path)
        except OSError as exc:
            raise PublishError(f"{self.name}: cannot write {path}: {exc}") from exc
        return str(path)

    def delivered(self, message: Message) -> bool | None:
        return self._path(message).exists()


def split_utf8(text: str, limit: int = WECOM_LIMIT) -> list[str]:
    """Chunks of at most ``limit`` UTF-8 bytes, cut at line ends where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:
            cut = limit
            while len(line[:cut].encode()) > limit:
                cut -= 1
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        if len((current + line).encode()) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return chunks


def _may_have_arrived(exc: requests.RequestException) -> bool:
    """Whether a failed request could have reached the server.

    Refused or timed-out connections and malformed requests never left; a read
    timeout or a connection dropped after the request was written may have
    been delivered with only the answer lost.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        return not isinstance(reason, NewConnectionError)
    return isinstance(exc, requests.Timeout)


class WeComChannel:
    """A WeCom (企业微信) group robot: markdown messages, errcode checked on every part."""

    def __init__(
        self, name: str, url: str, timeout: float, http: requests.Session | None = None
    ) -> None:
        self.name = name
        self.url = url
        self.timeout = timeout
        self.http = http or requests.Session()

    def parts(self, message: Message) -> list[str]:
        return split_utf8(message.body)

    def send_part(self, message: Message, number: int, part: str) -> str:
        try:
            response = self.http.post(
                self.url,
                json={"msgtype": "markdown", "markdown": {"content": part}},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            if _may_have_arrived(exc):
                raise DeliveryUncertain(
                    f"{self.name}: part {number} sent, no answer ({type(exc).__name__}): "
                    "it may have arrived; check the group"
                ) from exc
            raise PublishError(f"{self.name}: webhook unreachable: {exc}") from exc
        if response.status_code >= 400:
            raise PublishError(f"{self.name}: webhook HTTP {response.status_code} on part {number}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise PublishError(f"{self.name}: webhook answered non-JSON on part {number}") from exc
        if answer.get("errcode") != 0:
            raise PublishError(
                f"{self.name}: errcode {answer.get('errcode')} on part {number}: {answer.get('errmsg')}"
            )
        return f"part {number}"

    def delivered(self, message: Message) -> bool | None:
        return None


class AppriseChannel:
    """Any Apprise URL (Telegram, e-mail, Slack, ...)."""

    parts = staticmethod(_whole)

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.notifier = apprise.Apprise()
        if not self.notifier.add(url):
            raise ConfigError(f"channel {name}: not a valid Apprise URL")

    def send_part(self, message: Message, number: int, part: str) -> str:
        if not self.notifier.notify(title=message.title, body=part):
            raise PublishError(f"{self.name}: Apprise could not deliver")
        return "apprise"

    def delivered(self, message: Message) -> bool | None:
        return None


def _url(conf: ChannelConfig) -> str:
    if not conf.url_env or not os.environ.get(conf.url_env):
        raise ConfigError(
            f"channel {conf.name}: set {conf.url_env or 'url_env'} to its webhook / Apprise URL"
        )
    return os.environ[conf.url_env]


BUILDERS: dict[str, Callable[[ChannelConfig, Settings], Channel]] = {
    "outbox": lambda conf, s: OutboxChannel(
        conf.name, (s.var_dir / s.publish.outbox_dir).resolve()
    ),
    "wecom": lambda conf, s: WeComChannel(conf.name, _url(conf), s.publish.timeout),
    "apprise": lambda conf, s: AppriseChannel(conf.name, _url(conf)),
}


def build_channels(settings: Settings) -> tuple[dict[str, Channel], dict[str, str]]:
    """Every configured channel, and why each one that cannot be built is broken (its URL
    variable unset): posts to it fail and are retried next run, the other channels still go."""
    built: dict[str, Channel] = {}
    broken: dict[str, str] = {}
    for conf in settings.channels:
        try:
            built[conf.name] = BUILDERS[conf.type](conf, settings)
        except ConfigError as exc:
            broken[conf.name] = str(exc)
    return built, broken
