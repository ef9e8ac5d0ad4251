"""Daily market snapshots (``type: market`` sources): JSON in, Chinese text out.

A snapshot source serves one JSON document: a snapshot object, a list of
them, or ``{"snapshots": [...]}`` (a history, one per trading day)::

    {
      "date": "2026-11-20",                       trading day (required)
      "as_of": "2026-11-20T15:00:00+08:00",       optional; default the day's 15:00, desk zone
      "indices": [{"name": "上证指数", "close": 3412.35, "change_pct": 0.52}],   at least one
      "turnover": "1.12万亿元",                   沪深两市成交额 (optional)
      "northbound_net": "56.3亿元",               北向资金净流入; negative = 净流出 (optional)
      "sectors": [{"name": "低空经济", "change_pct": 4.21}],                     (optional)
      "breadth": {"up": 3120, "down": 1890, "limit_up": 68, "limit_down": 5}     (optional)
    }

Amounts are a number of 元 or a string with its unit (``"56.3亿元"``,
``"1.12万亿元"``, ``"-12.5亿元"``), so a desk never guesses a scale. Each
snapshot becomes one item (kind ``market``) whose text states every figure
with its metric — 上证指数收盘3412.35点，上涨0.52%；沪深两市成交额1.12万亿元 —
and whose ``data`` keeps the validated figures. A snapshot taken before the
15:00 close reads as 盘中 (截至 its time), later ones as 收盘.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import date, datetime, time, tzinfo
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from newsdesk.entries import Entry
from newsdesk.errors import SnapshotError

CLOSE = time(15, 0)  # the Shanghai and Shenzhen close
_AMOUNT = re.compile(r"^([+-]?\d+(?:\.\d+)?)(万亿|亿|万)?元$")
_SCALE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, None: 1.0}


def _amount(value: object) -> object:
    """元 from a number or from "56.3亿元"; anything else is left for pydantic to refuse."""
    if isinstance(value, str):
        match = _AMOUNT.match(value.strip().replace(",", ""))
        if not match:
            raise ValueError(
                "金额需为数字（元）或带单位，如 56.3亿元 / an amount in yuan or '56.3亿元'"
            )
        return float(match.group(1)) * _SCALE[match.group(2)]
    return value


def _no_bool(value: object) -> object:
    if isinstance(value, bool):  # JSON true would otherwise pass as 1.0
        raise ValueError("需要数字 / a number is required")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):  # 1e999 parses to infinity
        raise ValueError("不是有限数字 / not a finite number")
    return value


Figure = Annotated[float, BeforeValidator(_no_bool), AfterValidator(_finite)]
Amount = Annotated[Figure, BeforeValidator(_amount)]
Percent = Annotated[Figure, Field(gt=-100, lt=1000)]


def _plain_name(value: str) -> str:
    """An index or sector name: printable text only (no controls, surrogates or markup)."""
    value = value.strip()
    if any(unicodedata.category(c) in ("Cc", "Cs") or c in "<>" for c in value):
        raise ValueError("名称含控制字符或标记 / a name holds control characters or markup")
    return value


Name = Annotated[str, AfterValidator(_plain_name), Field(min_length=1, max_length=40)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class IndexClose(_Model):
    name: Name
    close: Annotated[Figure, Field(gt=0)]
    change_pct: Percent


class SectorMove(_Model):
    name: Name
    change_pct: Percent


class Breadth(_Model):
    up: int | None = Field(None, ge=0)
    down: int | None = Field(None, ge=0)
    limit_up: int | None = Field(None, ge=0)
    limit_down: int | None = Field(None, ge=0)


class Snapshot(_Model):
    date: date
    as_of: datetime | None = None
    indices: list[IndexClose] = Field(min_length=1, max_length=20)
    turnover: Annotated[Amount, Field(gt=0)] | None = None
    northbound_net: Amount | None = None
    sectors: list[SectorMove] = Field(default_factory=list, max_length=100)
    breadth: Breadth | None = None

    def taken_at(self, tz: tzinfo) -> datetime:
        """When the figures were taken, aware: ``as_of``, else the day's close in ``tz``."""
        if self.as_of is None:
            return datetime.combine(self.date, CLOSE, tzinfo=tz)
        return self.as_of if self.as_of.tzinfo else self.as_of.replace(tzinfo=tz)

    def closed(self, tz: tzinfo) -> bool:
        local = self.taken_at(tz).astimezone(tz)
        return local.date() > self.date or local.time() >= CLOSE


def parse_snapshots(body: bytes) -> list[Snapshot]:
    """The snapshots in a JSON document; :class:`SnapshotError` says what is wrong and where."""
    try:
        document = json.loads(body.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SnapshotError(
            f"行情快照不是有效的 JSON / market snapshot is not valid JSON: {exc}"
        ) from None
    if isinstance(document, dict) and "snapshots" in document:
        document = document["snapshots"]
    raw = document if isinstance(document, list) else [document]
    if not raw:
        raise SnapshotError("行情快照为空 / the market snapshot document holds no snapshot")
    snapshots = []
    for position, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise SnapshotError(
                f"行情快照第{position}条不是 JSON 对象 / snapshot {position} is not a JSON object"
            )
        try:
            snapshots.append(Snapshot.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(root)"
            raise SnapshotError(
                f"行情快照第{position}条 {where} 有误 / snapshot {position}, {where}: {first['msg']}"
            ) from None
    return snapshots


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _number(value: float, places: int) -> str:
    """Fixed places, trailing zeros dropped: 56.30 -> 56.3, 9860.00 -> 9860."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def amount_text(yuan: float) -> str:
    """An amount of 元 in the unit a Chinese market report uses: 1.12万亿元, 56.3亿元, 800万元."""
    size = abs(yuan)
    for unit, scale in (("万亿元", 1e12), ("亿元", 1e8), ("万元", 1e4)):
        if size >= scale:
            return f"{_number(size / scale, 2)}{unit}"
    return f"{_number(size, 2)}元"


def _move(change_pct: float) -> str:
    if change_pct > 0:
        return f"上涨{change_pct:.2f}%"
    if change_pct < 0:
        return f"下跌{-change_pct:.2f}%"
    return "平收（涨跌幅0.00%）"


def snapshot_title(snapshot: Snapshot, tz: tzinfo) -> str:
    day = snapshot.date
    phase = "收盘" if snapshot.closed(tz) else "盘中"
    return f"{day.year}年{day.month}月{day.day}日A股{phase}数据"


def snapshot_text(snapshot: Snapshot, tz: tzinfo) -> str:
    """The snapshot in Chinese, each figure with its metric."""
    closed = snapshot.closed(tz)
    day = snapshot.date
    if closed:
        lead = f"{day.month}月{day.day}日A股收盘："
    else:
        lead = (
            f"{day.month}月{day.day}日A股盘中（截至{snapshot.taken_at(tz).astimezone(tz):%H:%M}）："
        )
    verb = "收盘" if closed else "报"
    parts = [
        "；".join(f"{i.name}{verb}{i.close:.2f}点，{_move(i.change_pct)}" for i in snapshot.indices)
        + "。"
    ]
    if snapshot.turnover is not None:
        parts.append(f"沪深两市成交额{amount_text(snapshot.turnover)}。")
    if snapshot.northbound_net is not None:
        flow = "净流入" if snapshot.northbound_net >= 0 else "净流出"
        parts.append(f"北向资金{flow}{amount_text(snapshot.northbound_net)}。")
    ranked = sorted(snapshot.sectors, key=lambda s: -s.change_pct)
    leaders = [s for s in ranked if s.change_pct > 0][:3]
    laggards = [s for s in reversed(ranked) if s.change_pct < 0][:3]
    moves = []
    if leaders:
        moves.append(
            "领涨板块：" + "，".join(f"{s.name}板块{_move(s.change_pct)}" for s in leaders)
        )
    if laggards:
        moves.append(
            "领跌板块：" + "，".join(f"{s.name}板块{_move(s.change_pct)}" for s in laggards)
        )
    if moves:
        parts.append("；".join(moves) + "。")
    if snapshot.breadth is not None:
        counts = [
            (label, value)
            for label, value in (
                ("上涨个股", snapshot.breadth.up),
                ("下跌个股", snapshot.breadth.down),
                ("涨停", snapshot.breadth.limit_up),
                ("跌停", snapshot.breadth.limit_down),
            )
            if value is not None
        ]
        if counts:
            parts.append(
                "全市场" + "，".join(f"{label}{value}家" for label, value in counts) + "。"
            )
    return lead + "".join(parts)


def snapshot_entry(snapshot: Snapshot, tz: tzinfo) -> Entry:
    """One stored item per trading day: the guid is the day, so a later snapshot replaces it."""
    return Entry(
        guid=f"market:{snapshot.date.isoformat()}",
        title=snapshot_title(snapshot, tz),
        link=None,
        published=snapshot.taken_at(tz),
        summary=snapshot_text(snapshot, tz),
    )


def snapshot_data(snapshot: Snapshot) -> dict[str, Any]:
    """The validated figures as JSON (amounts in 元), kept beside the text."""
    return snapshot.model_dump(mode="json", exclude_none=True)
