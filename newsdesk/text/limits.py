"""How much text one field of an item keeps: ``fetch.text_limits`` in desk.yaml.

Apart from config.py because the feed parser needs it and config.py imports
pydantic-settings (0.13 s of CPU): ``newsdesk feed parse`` reads no desk.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TextLimits(BaseModel):
    """The most text kept per field of a fetched or typed-in item, in characters.

    Input is cut before it is cleaned (with room for markup), so what one field
    costs to clean and store is bounded whatever a source sends.
    """

    model_config = ConfigDict(extra="forbid")

    title: int = Field(1_000, ge=10)
    summary: int = Field(20_000, ge=100)
    body: int = Field(1_000_000, ge=1_000, description="a research page's or manual item's text")
    page_tags: int = Field(
        20_000,
        ge=100,
        description="markup tags a research page may have; extraction costs ~0.15 ms a tag",
    )
