"""Exceptions raised by newsdesk.

The tree::

    NewsdeskError
    ├── ConfigError            desk.yaml or environment is invalid
    ├── StoreError             database unreachable or schema out of date
    ├── FeedError              one source could not be fetched or parsed
    │   ├── BlockedAddress     the host resolves to a refused address (SSRF guard)
    │   ├── FetchTimeout       connect/read timeout or total deadline exceeded
    │   ├── FeedTooLarge       body over the size cap
    │   ├── TooManyRedirects   redirect chain longer than the cap, or a loop
    │   ├── HTTPStatusError    a non-2xx/304 answer
    │   │   └── RateLimited    429/503 with a Retry-After to honour
    │   └── FeedParseError     the body is not a feed (malformed XML, an HTML page ...)
    │       └── SnapshotError  a market source's body is not a valid snapshot (bad JSON, figures)
    ├── LLMError               a draft could not be written
    │   ├── ProviderUnavailable    timeout, connection error, 5xx, unreadable answer (retried)
    │   │   └── LLMRateLimited     429, with the Retry-After to honour (retried)
    │   └── LLMOutputError         the answer is unusable: empty, cut off (not retried)
    ├── PublishError           a channel did not take a post (retried, then marked failed)
    │   ├── DeliveryUncertain  the post may have arrived (timeout after sending): never resent by itself
    │   └── PostBlocked        the post cannot go out as rendered (a broken template, a banned phrase
    │                          in what review did not see): nothing sent, tried again next run
    ├── ReviewError            a review action cannot be done
    │   ├── NotFound               no such draft or user
    │   ├── InvalidTransition      the action is not allowed in the draft's state
    │   ├── PermissionDenied       the user's role may not do this (or a required note is missing)
    │   ├── TextTooLong            a text over review.max_text_chars
    │   ├── StaleVersion           someone else acted on the draft first (optimistic lock)
    │   └── AuthError              bad credentials, disabled account, too many attempts
    ├── ItemError              a manual item is invalid
    ├── TooManyJobs            an account asked for jobs too fast, or too many wait already (429)
    └── InputError             a file given on the command line cannot be read as text

Library errors (requests, SQLAlchemy, feed parsers) are mapped to these at
the edge, so callers (CLI, tasks, web) only ever catch ``NewsdeskError``.
"""

from __future__ import annotations


class NewsdeskError(Exception):
    """Base of every error newsdesk raises on purpose."""


class ConfigError(NewsdeskError):
    """The configuration file or environment is invalid."""


class StoreError(NewsdeskError):
    """The database is unreachable or its schema is not migrated."""


class ItemError(NewsdeskError):
    """A manually added item is invalid."""


class FeedError(NewsdeskError):
    """One source could not be fetched or parsed; other sources go on."""


class BlockedAddress(FeedError):
    """The URL's host resolves to an address the SSRF guard refuses."""


class FetchTimeout(FeedError):
    """Connecting or reading took longer than allowed."""


class FeedTooLarge(FeedError):
    """The body exceeded the configured size cap."""


class TooManyRedirects(FeedError):
    """The redirect chain was longer than the cap or looped."""


class HTTPStatusError(FeedError):
    """The server answered with an error status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(HTTPStatusError):
    """The server asked us to come back later (429/503 with Retry-After)."""

    def __init__(self, message: str, status: int, retry_after: float | None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class FeedParseError(FeedError):
    """The body could not be read as RSS, Atom or RDF."""


class SnapshotError(FeedParseError):
    """A market source's body is not a valid market snapshot (JSON, required figures)."""


class InputError(NewsdeskError):
    """A file given on the command line cannot be read as text."""


class LLMError(NewsdeskError):
    """A draft could not be written by the provider."""


class SlotsUnavailable(LLMError):
    """The orchestrator kept failing to hand out slots of the global LLM limit."""


class ProviderUnavailable(LLMError):
    """The provider did not answer usefully this time; worth retrying."""


class LLMRateLimited(ProviderUnavailable):
    """The provider asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMOutputError(LLMError):
    """The provider answered, but the text cannot be used (empty, cut off)."""


class ReviewError(NewsdeskError):
    """A review action cannot be done."""


class NotFound(ReviewError):
    """No such draft or user."""


class InvalidTransition(ReviewError):
    """The action is not allowed in the draft's current state."""


class PermissionDenied(ReviewError):
    """The user's role may not do this, or a required reason is missing."""


class TextTooLong(ReviewError):
    """A text over ``review.max_text_chars``, from any path (form, API, CLI)."""


class StaleVersion(ReviewError):
    """Someone else changed the draft after this user loaded it."""


class AuthError(ReviewError):
    """Bad credentials, a disabled account, or too many attempts."""


class PublishError(NewsdeskError):
    """A channel did not take a post."""


class DeliveryUncertain(PublishError):
    """The request went out but no answer came back: the post may have arrived.

    Sending it again could post it twice, so it is left for a person to check.
    """


class PostBlocked(PublishError):
    """The post cannot go out as rendered: its content template failed, or its title or source
    list (text the draft's review never saw) breaks a compliance rule. Nothing is sent."""


class TooManyJobs(NewsdeskError):
    """An account asked for jobs faster than ``jobs.per_user_per_minute``, or
    ``jobs.max_queued`` jobs are already waiting: try again later."""
