# Types of the C module built from _route.c (setup.py).

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T", bound=tuple[str, str, int, int])

def block_words(freq: dict[str, int], block: str, total: float, /) -> list[tuple[str, bool]]: ...
def tagged(
    freq: dict[str, int],
    tags: dict[str, str],
    total: float,
    text: str,
    token: type[T],
    guess: Callable[[str], Sequence[tuple[str, str]]],
    run_max: int,
    /,
) -> list[T]: ...
