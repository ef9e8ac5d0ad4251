"""Providers: who writes the text. ``openai`` for any OpenAI-compatible endpoint, ``offline`` built in.

Every provider takes a :class:`DraftRequest` (rendered messages plus the brief
they came from) and returns a :class:`Completion` with usage and latency.
OpenAI SDK errors are mapped once, here, onto the newsdesk tree: timeouts,
connection errors, 5xx and unreadable answers are ``ProviderUnavailable``
(retried with backoff), 429 is ``LLMRateLimited`` (retried after its
Retry-After), an empty or cut-off answer is ``LLMOutputError`` (not retried:
the same request would get the same answer).
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Protocol

import openai

from newsdesk.config import LLMConfig
from newsdesk.drafting.brief import Brief
from newsdesk.errors import (
    ConfigError,
    LLMError,
    LLMOutputError,
    LLMRateLimited,
    ProviderUnavailable,
)
from newsdesk.feeds.fetch import parse_retry_after

Limiter = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class DraftRequest:
    """What a provider is asked: the rendered messages and, for providers that read data
    rather than prompts, the brief, the editor's note, the version being rewritten and the
    day's other drafts (so no sentence is repeated across slots)."""

    messages: list[dict[str, str]]
    brief: Brief
    disclaimer: str
    attempt: int = 0
    reasons: list[str] = field(default_factory=list)
    note: str | None = None
    previous: str | None = None
    day_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Completion:
    text: str
    provider: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: int = 0
    finish_reason: str = "stop"
    remark: str | None = None  # why the text is unchanged, when a rewrite could change nothing


class Provider(Protocol):
    name: str

    def complete(self, request: DraftRequest) -> Completion: ...


def resolve_api_key(conf: LLMConfig, secret: Callable[[str], str] | None = None) -> str:
    """The API key from the environment, or from a secret store (a Prefect Secret block)."""
    key = os.environ.get(conf.api_key_env)
    if key:
        return key
    if conf.api_key_block and secret is not None:
        return secret(conf.api_key_block)
    raise ConfigError(
        f"llm.provider is 'openai' but {conf.api_key_env} is not set"
        + (
            f" and Secret block {conf.api_key_block!r} is not available"
            if conf.api_key_block
            else ""
        )
    )


class OpenAIProvider:
    """Chat completions through the official SDK; retries are ours so they honour Retry-After."""

    name = "openai"

    def __init__(
        self,
        conf: LLMConfig,
        api_key: str,
        *,
        client: openai.OpenAI | None = None,
        limiter: Limiter = nullcontext,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not conf.base_url and client is None:
            raise ConfigError("llm.base_url is required for the openai provider")
        self.conf = conf
        self.client = client or openai.OpenAI(
            base_url=conf.base_url, api_key=api_key, max_retries=0, timeout=conf.timeout
        )
        self.limiter = limiter
        self.sleep = sleep

    def complete(self, request: DraftRequest) -> Completion:
        last: LLMError | None = None
        for attempt in range(self.conf.retries + 1):
            try:
                return self._once(request.messages)
            except LLMRateLimited as exc:
                last = exc
                delay = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
            except ProviderUnavailable as exc:
                last = exc
                delay = self._backoff(attempt)
            if attempt < self.conf.retries:
                self.sleep(min(delay, self.conf.backoff_max))
        assert last is not None
        attempts = self.conf.retries + 1
        raise ProviderUnavailable(f"{last} (gave up after {attempts} attempts)") from last

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.conf.backoff_max, self.conf.backoff_base * 2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _once(self, messages: list[dict[str, str]]) -> Completion:
        started = time.perf_counter()
        try:
            with self.limiter():
                response = self.client.chat.completions.create(
                    model=self.conf.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=self.conf.temperature,
                    max_tokens=self.conf.max_tokens,
                )
        except openai.RateLimitError as exc:
            retry = parse_retry_after(exc.response.headers.get("retry-after"))
            raise LLMRateLimited(f"provider rate limit (HTTP 429): {exc.message}", retry) from exc
        except openai.APITimeoutError as exc:
            raise ProviderUnavailable(f"provider timed out after {self.conf.timeout}s") from exc
        except openai.APIConnectionError as exc:
            raise ProviderUnavailable(f"cannot reach the provider: {exc}") from exc
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                raise ProviderUnavailable(f"provider error HTTP {exc.status_code}") from exc
            raise LLMError(
                f"provider refused the request: HTTP {exc.status_code} {exc.message}"
            ) from exc
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise ProviderUnavailable(f"unreadable answer from the provider: {exc}") from exc
        latency = int((time.perf_counter() - started) * 1000)
        return self._completion(response, latency)

    def _completion(self, response: object, latency: int) -> Completion:
        choices = getattr(response, "choices", None)
        if not choices:
            raise ProviderUnavailable("unreadable answer from the provider: no choices")
        choice = choices[0]
        text = (getattr(choice.message, "content", None) or "").strip()
        if choice.finish_reason == "length":
            raise LLMOutputError(
                f"the answer was cut off at max_tokens={self.conf.max_tokens}; raise llm.max_tokens"
            )
        if not text:
            raise LLMOutputError("the provider returned an empty answer")
        usage = getattr(response, "usage", None)
        return Completion(
            text,
            self.name,
            getattr(response, "model", None) or self.conf.model,
            getattr(usage, "prompt_tokens", 0) or 0,
            getattr(usage, "completion_tokens", 0) or 0,
            latency,
            choice.finish_reason or "stop",
        )
