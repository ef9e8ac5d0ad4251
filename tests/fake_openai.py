"""A fake OpenAI-compatible server on 127.0.0.1 (pytest-httpserver), for the real ``openai`` client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

PATH = "/v1/chat/completions"


def completion_body(
    text: str, finish_reason: str = "stop", model: str = "fake-model"
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 321, "completion_tokens": 123, "total_tokens": 444},
    }


def reply(text: str, finish_reason: str = "stop") -> Response:
    return Response(
        json.dumps(completion_body(text, finish_reason)), content_type="application/json"
    )


class FakeOpenAI:
    """Answers chat completions with ``handler(request_json) -> Response``; records every request."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return self.server.url_for("/v1")

    def serve(self, handler: Callable[[dict[str, Any]], Response]) -> None:
        def respond(request: Request) -> Response:
            body = json.loads(request.get_data() or b"{}")
            self.requests.append(body)
            return handler(body)

        self.server.expect_request(PATH, method="POST").respond_with_handler(respond)

    def user_messages(self) -> list[str]:
        return [m["content"] for r in self.requests for m in r["messages"] if m["role"] == "user"]
