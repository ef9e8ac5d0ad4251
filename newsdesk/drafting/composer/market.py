"""The close's market record from the snapshot's figures themselves, not from reading its text.

A market snapshot (``feeds/market.py``) arrives as validated numbers and is stored beside its
text as ``data``: the indices, turnover, northbound flow, sector moves and breadth are stated
from those numbers, each line cited to the snapshot, with the desk's words for each part
(``phrases/_desk.toml`` [record]). Nothing is inferred: a leader is a sector that rose
most, as the snapshot says.
"""

from __future__ import annotations

from newsdesk.feeds.market import Snapshot, amount_text


def _move(change_pct: float, words: dict[str, str]) -> str:
    if change_pct > 0:
        return words["up"].format(pct=f"{change_pct:.2f}")
    if change_pct < 0:
        return words["down"].format(pct=f"{-change_pct:.2f}")
    return words["flat"]


def record_lines(
    snapshot: Snapshot, number: int, words: dict[str, str], detail: bool = True
) -> list[str]:
    """The snapshot [``number``] as lines: indices, turnover and flow, then (``detail``: the
    收盘总结's, not the 早报's recap) sectors and breadth."""
    cite = f"[{number}]"
    lines = [
        "，".join(
            words["index"].format(
                name=i.name, close=f"{i.close:.2f}", move=_move(i.change_pct, words)
            )
            for i in snapshot.indices
        )
        + f"{cite}。"
    ]
    money = []
    if snapshot.turnover is not None:
        money.append(words["turnover"].format(amount=amount_text(snapshot.turnover)))
    if snapshot.northbound_net is not None:
        flow = "inflow" if snapshot.northbound_net >= 0 else "outflow"
        money.append(words[flow].format(amount=amount_text(snapshot.northbound_net)))
    if money:
        lines.append("，".join(money) + f"{cite}。")
    if not detail:
        return lines
    ranked = sorted(snapshot.sectors, key=lambda s: -s.change_pct)
    leaders = [s for s in ranked if s.change_pct > 0][:3]
    laggards = [s for s in reversed(ranked) if s.change_pct < 0][:3]
    moves = [
        words[label] + "、".join(f"{s.name}（{_move(s.change_pct, words)}）" for s in group)
        for label, group in (("leaders", leaders), ("laggards", laggards))
        if group
    ]
    if moves:
        lines.append("；".join(moves) + f"{cite}。")
    breadth = snapshot.breadth
    if breadth is not None:
        counts = [
            words[label].format(count=value)
            for label, value in (
                ("rising", breadth.up),
                ("falling", breadth.down),
                ("limit_up", breadth.limit_up),
                ("limit_down", breadth.limit_down),
            )
            if value is not None
        ]
        if counts:
            lines.append("，".join(counts) + f"{cite}。")
    return lines
