"""What several sections of the desk file share: strict models, entry names, content kinds."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from newsdesk.kinds import registered_kind

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

# A content kind is any kind in the registry (newsdesk/kinds.py), checked when the desk loads: a
# kind registered there is accepted here without a change to the config.
Kind = Annotated[str, AfterValidator(registered_kind)]
Tier = Literal["入门", "中阶", "高阶"]


class Strict(BaseModel):
    """A section of the desk file: an unknown key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("must be 1-64 lower-case letters, digits, '_' or '-'")
    return value
