"""Write the demo desk's feeds and research pages (deterministic; re-run to regenerate).

Everything here is invented for the demo: companies, outlets and figures are
fictional. The week is 2026-11-16 .. 2026-11-20 (five Shanghai trading days)
plus the overnight hours of Monday 2026-11-23. Three topics burst on the last
days: 低空经济 (policy + a certification), 人形机器人 (a product launch), and
降准 (a reserve-requirement cut announced Friday evening). Everyday market
stories run all week so the burst detector has an evergreen baseline. A market
snapshot (index closes, turnover, sector moves, northbound flows) is served for
each trading day of the week and for the demo day itself (market/snapshots.json).

    python demo/generate.py
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
TZ = ZoneInfo("Asia/Shanghai")
DAYS = [datetime(2026, 11, d, tzinfo=TZ) for d in (16, 17, 18, 19, 20)]
OVERNIGHT = datetime(2026, 11, 23, tzinfo=TZ)
BASE = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class Outlet:
    name: str
    title: str
    format: str  # rss2 | atom | rdf
    encoding: str = "utf-8"


OUTLETS = [
    Outlet("dongfang", "东方财经快讯（演示）", "rss2"),
    Outlet("hushang", "沪上证券报（演示）", "rss2"),
    Outlet("shengang", "深港市场观察（演示）", "atom"),
    Outlet("hongguan", "宏观研究周刊（演示）", "rdf"),
    Outlet("chanye", "产业前沿（演示，GBK）", "rss2", "gbk"),
    Outlet("xinchao", "新潮财经（演示）", "atom"),
    Outlet("kechuang", "科创日报（演示）", "rss2"),
    Outlet("beian", "北岸资讯（演示）", "rss2"),
]

COMPANIES = [
    ("华芯微电子", "半导体"),
    ("东岳新能源", "新能源"),
    ("海川银行", "银行"),
    ("瑞禾医药", "医药"),
    ("星河证券", "券商"),
    ("云帆数据", "算力"),
    ("青峰白酒", "白酒"),
    ("蓝湾物流", "物流"),
    ("金石矿业", "有色金属"),
    ("明远汽车", "汽车"),
    ("天衡保险", "保险"),
    ("北辰光伏", "光伏"),
]
SECTORS = ["半导体", "新能源", "银行", "医药", "券商", "算力", "白酒", "有色金属", "汽车", "光伏"]


def pct(rng: random.Random, low: float = 0.1, high: float = 2.5) -> str:
    return f"{rng.uniform(low, high):.2f}"


def market_story(rng: random.Random, day: datetime) -> tuple[list[str], list[str]]:
    up = rng.random() > 0.45
    move, index_pct = ("涨" if up else "跌"), pct(rng, 0.1, 1.6)
    sector = rng.choice(SECTORS)
    turnover = rng.randint(8200, 12800)
    heads = [
        f"{day.month}月{day.day}日收评：沪指{move}{index_pct}%，{sector}板块领{move}",
        f"A股收盘：三大指数{'集体上涨' if up else '震荡走低'}，{sector}股表现活跃",
        f"沪指收{move}{index_pct}% 两市成交额{turnover}亿元",
    ]
    sums = [
        f"截至收盘，沪指{move}{index_pct}%，两市成交额约{turnover}亿元，{sector}板块{'领涨' if up else '调整'}，市场情绪{'回暖' if up else '偏谨慎'}。",
        f"今日A股{'整体走强' if up else '整体走弱'}，{sector}方向资金关注度较高，全天成交{turnover}亿元（演示数据）。",
    ]
    return heads, sums


def northbound_story(rng: random.Random, day: datetime) -> tuple[list[str], list[str]]:
    inflow = rng.random() > 0.5
    amount = rng.randint(12, 95)
    verb = "净流入" if inflow else "净流出"
    heads = [
        f"北向资金今日{verb}{amount}亿元",
        f"外资动向：北向资金全天{verb}{amount}亿元",
    ]
    sums = [
        f"北向资金{day.month}月{day.day}日{verb}{amount}亿元，{rng.choice(SECTORS)}板块获外资重点关注（演示数据）。"
    ]
    return heads, sums


# A company reports its 前三季度 once: every story about it, on any day, gives that figure.
EARNINGS: dict[str, int] = {}


def earnings_story(rng: random.Random, day: datetime) -> tuple[list[str], list[str]]:
    company, sector = rng.choice(COMPANIES)
    # The draw happens every time (setdefault evaluates it), so the rest of the demo is unchanged.
    growth = EARNINGS.setdefault(company, rng.randint(5, 60))
    heads = [
        f"{company}：前三季度净利润同比增长{growth}%",
        f"{company}业绩预告 净利润增{growth}%",
        f"{sector}公司{company}三季报出炉，盈利同比增长{growth}%",
    ]
    sums = [
        f"{company}公告称，前三季度实现净利润同比增长{growth}%，主营{sector}业务订单稳定（演示公司与数据）。"
    ]
    return heads, sums


def buyback_story(rng: random.Random, day: datetime) -> tuple[list[str], list[str]]:
    company, _ = rng.choice(COMPANIES)
    amount = rng.randint(2, 20)
    heads = [
        f"{company}拟回购不超过{amount}亿元股份",
        f"{company}发布回购方案，规模上限{amount}亿元",
    ]
    sums = [
        f"{company}计划以自有资金回购公司股份，金额不超过{amount}亿元，用于员工持股计划（演示数据）。"
    ]
    return heads, sums


def repo_story(rng: random.Random, day: datetime) -> tuple[list[str], list[str]]:
    amount = rng.choice([1200, 1500, 2000, 2600, 3100])
    heads = [f"央行开展{amount}亿元7天期逆回购操作", f"公开市场：央行今日逆回购投放{amount}亿元"]
    sums = [
        f"人民银行今日开展{amount}亿元7天期逆回购操作，中标利率持平，维护流动性合理充裕（演示数据）。"
    ]
    return heads, sums


def sector_story(rng: random.Random, day: datetime) -> tuple[list[str], list[str]]:
    company, sector = rng.choice(COMPANIES)
    heads = [f"{sector}板块午后走强，{company}涨停", f"{company}涨停带动{sector}板块拉升"]
    sums = [
        f"午后{sector}板块快速拉升，{company}封涨停，板块内多只个股涨幅超过{rng.randint(3, 9)}%（演示数据）。"
    ]
    return heads, sums


EVERGREEN = [
    market_story,
    northbound_story,
    earnings_story,
    buyback_story,
    repo_story,
    sector_story,
]

# (day index: 0..4 trading days, 5 = overnight 11-23), hour, headlines, summaries, outlets carrying it
BURSTS: list[tuple[int, int, list[str], list[str], int]] = [
    (
        4,
        17,
        [
            "多部门联合印发低空经济高质量发展指导意见",
            "低空经济迎政策利好：指导意见明确空域管理改革方向",
            "低空经济指导意见发布 eVTOL与通用航空获支持",
            "重磅政策落地，低空经济产业链有望提速",
        ],
        [
            "指导意见提出推进低空空域分类管理改革，支持eVTOL、无人机物流等低空经济场景试点（演示内容）。",
            "政策明确低空经济基础设施建设与适航审定的推进路径，地方试点城市有望扩容（演示内容）。",
        ],
        6,
    ),
    (
        3,
        14,
        [
            "低空经济概念股集体大涨，翔云航空科技涨停",
            "低空经济板块爆发 翔云航空科技等多股涨停",
            "午后低空经济概念走强，通航与无人机标的领涨",
        ],
        [
            "受政策消息提振，低空经济概念股午后集体走强，翔云航空科技涨停，板块成交明显放大（演示数据）。",
        ],
        5,
    ),
    (
        5,
        3,
        [
            "翔云航空科技eVTOL机型获适航认证",
            "翔云航空科技：旗下eVTOL取得型号合格证",
            "低空经济再迎催化 翔云航空科技eVTOL获认证",
        ],
        [
            "翔云航空科技公告称，其自主研发的eVTOL机型取得型号合格证，低空经济商业化运营再进一步（演示公司）。",
        ],
        5,
    ),
    (
        4,
        11,
        [
            "擎天机器人发布新一代人形机器人“擎天二号”",
            "人形机器人新品亮相：擎天机器人推出擎天二号",
            "擎天机器人人形机器人新品发布 关节模组自研",
        ],
        [
            "擎天机器人发布新一代人形机器人，自研关节模组与灵巧手，计划明年小批量交付（演示公司）。",
        ],
        5,
    ),
    (
        4,
        15,
        [
            "人形机器人概念股午后拉升，产业链公司密集发声",
            "人形机器人板块走强 减速器与传感器标的领涨",
        ],
        [
            "人形机器人概念午后拉升，减速器、传感器等产业链环节个股表现活跃（演示数据）。",
        ],
        4,
    ),
    (
        4,
        19,
        [
            "央行宣布下调存款准备金率0.25个百分点",
            "降准落地！央行下调金融机构存款准备金率0.25个百分点",
            "央行降准0.25个百分点 释放长期资金约5000亿元",
            "央行：下调存款准备金率，保持流动性合理充裕",
        ],
        [
            "人民银行决定下调金融机构存款准备金率0.25个百分点，预计释放长期资金约5000亿元（演示数据）。",
            "此次降准为年内第二次，市场人士认为有助于降低银行负债成本、支持实体经济融资（演示内容）。",
        ],
        7,
    ),
    (
        5,
        7,
        [
            "降准后首个交易日前瞻：银行与地产链或受关注",
            "周一早知道：降准落地，关注低空经济与人形机器人催化",
        ],
        [
            "降准落地叠加低空经济、人形机器人产业催化，机构预计周一市场风险偏好有望修复（演示内容）。",
        ],
        4,
    ),
    (
        5,
        6,
        [
            "人形机器人产业联盟成立，擎天机器人任理事长单位",
            "人形机器人产业联盟揭牌 聚焦核心零部件攻关",
        ],
        [
            "人形机器人产业联盟在沪成立，首批成员覆盖整机、减速器、传感器等环节（演示内容）。",
        ],
        4,
    ),
]

# Follow-ups after Friday's close: each planted topic gets several distinct stories
# in the window the Monday morning report reads (Fri 15:00 -> Mon 07:30).
BURSTS += [
    (
        4,
        16,
        [
            "低空经济板块资金净流入居前，多只概念股获机构调研",
            "机构密集调研低空经济公司 eVTOL产业链受关注",
        ],
        [
            "收盘后数据显示，低空经济板块获主力资金净流入，多家eVTOL与无人机公司本周接待机构调研（演示数据）。"
        ],
        3,
    ),
    (
        4,
        20,
        [
            "多地发布低空经济基础设施建设计划，起降点建设提速",
            "低空经济基础设施：多个城市公布起降点规划",
        ],
        ["多个城市公布低空经济起降点与航线规划，地方专项资金向通用航空基础设施倾斜（演示内容）。"],
        3,
    ),
    (
        5,
        5,
        [
            "翔云航空科技：eVTOL意向订单达120架",
            "翔云航空科技披露eVTOL在手意向订单 低空经济商业化提速",
        ],
        [
            "翔云航空科技表示，其eVTOL机型已获得120架意向订单，合同金额约36亿元，首批交付计划于明年进行（演示公司与数据）。"
        ],
        3,
    ),
    (
        4,
        21,
        ["擎天机器人获汽车工厂人形机器人批量订单", "人形机器人进厂：擎天机器人签下首个批量订单"],
        [
            "擎天机器人与明远汽车签署合作协议，人形机器人将进入总装车间执行搬运与质检任务（演示公司）。"
        ],
        3,
    ),
    (
        4,
        21,
        ["降准点评：银行负债成本下降，净息差压力缓解", "降准影响几何？机构称利好银行与高股息板块"],
        [
            "多家机构点评认为，降准降低银行负债成本，对净息差形成支撑，高股息板块有望受益（演示内容）。"
        ],
        3,
    ),
    (
        5,
        1,
        ["专家解读降准：释放稳增长信号，流动性保持合理充裕", "降准背后的政策信号：稳增长力度加大"],
        [
            "专家表示，此次降准释放了稳增长的政策信号，预计后续还有结构性货币政策工具跟进（演示内容）。"
        ],
        3,
    ),
]


@dataclass
class Entry:
    outlet: str
    guid: str
    title: str
    link: str
    published: datetime
    summary: str


def build_entries(seed: int = 20261120) -> list[Entry]:
    rng = random.Random(seed)
    entries: list[Entry] = []
    counter = 0

    def carry(day: datetime, hour: int, heads: list[str], sums: list[str], count: int) -> None:
        nonlocal counter
        counter += 1
        outlets = rng.sample(OUTLETS, k=min(count, len(OUTLETS)))
        for i, outlet in enumerate(outlets):
            minute = rng.randint(0, 59)
            when = day.replace(hour=hour, minute=minute) + timedelta(minutes=7 * i)
            slug = f"{day:%Y%m%d}-{counter:03d}"
            entries.append(
                Entry(
                    outlet.name,
                    f"{outlet.name}-{slug}",
                    heads[i % len(heads)],
                    f"{BASE}/articles/{outlet.name}/{slug}.html?utm_source=rss&utm_medium=feed",
                    when,
                    sums[i % len(sums)],
                )
            )

    for index, day in enumerate(DAYS):
        for _ in range(32):
            story = rng.choice(EVERGREEN)
            heads, sums = story(rng, day)
            carry(day, rng.randint(8, 21), heads, sums, rng.choice([1, 1, 2, 3]))
        for burst_day, hour, heads, sums, count in BURSTS:
            if burst_day == index:
                carry(day, hour, heads, sums, count)
    for burst_day, hour, heads, sums, count in BURSTS:
        if burst_day == 5:
            carry(OVERNIGHT, hour, heads, sums, count)
    for _ in range(6):
        heads, sums = rng.choice([repo_story, earnings_story])(rng, OVERNIGHT)
        carry(OVERNIGHT, rng.randint(0, 7), heads, sums, 1)
    return entries


def rss2(outlet: Outlet, entries: list[Entry]) -> str:
    items = "".join(
        f"""
    <item>
      <title>{escape(e.title)}</title>
      <link>{escape(e.link)}</link>
      <guid isPermaLink="false">{escape(e.guid)}</guid>
      <pubDate>{format_datetime(e.published)}</pubDate>
      <description><![CDATA[<p>{e.summary}</p>]]></description>
    </item>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="{outlet.encoding}"?>
<rss version="2.0">
  <channel>
    <title>{escape(outlet.title)}</title>
    <link>{BASE}/</link>
    <description>演示用虚构财经资讯源，内容与数据均为虚构</description>
    <language>zh-cn</language>{items}
  </channel>
</rss>
"""


def atom(outlet: Outlet, entries: list[Entry]) -> str:
    items = "".join(
        f"""
  <entry>
    <title type="html">{escape(e.title)}</title>
    <link rel="alternate" href="{escape(e.link)}"/>
    <id>tag:demo.newsdesk,2026:{escape(e.guid)}</id>
    <published>{e.published.isoformat()}</published>
    <updated>{e.published.isoformat()}</updated>
    <summary type="html">{escape(e.summary)}</summary>
  </entry>"""
        for e in entries
    )
    updated = max(e.published for e in entries).isoformat()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
  <title>{escape(outlet.title)}</title>
  <id>tag:demo.newsdesk,2026:{outlet.name}</id>
  <updated>{updated}</updated>
  <link rel="self" href="{BASE}/feeds/{outlet.name}.xml"/>{items}
</feed>
"""


def rdf(outlet: Outlet, entries: list[Entry]) -> str:
    seq = "".join(f'\n        <rdf:li rdf:resource="{escape(e.link)}"/>' for e in entries)
    items = "".join(
        f"""
  <item rdf:about="{escape(e.link)}">
    <title>{escape(e.title)}</title>
    <link>{escape(e.link)}</link>
    <description>{escape(e.summary)}</description>
    <dc:date>{e.published.isoformat()}</dc:date>
  </item>"""
        for e in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{BASE}/feeds/{outlet.name}.xml">
    <title>{escape(outlet.title)}</title>
    <link>{BASE}/</link>
    <description>演示用虚构宏观研究资讯</description>
    <items><rdf:Seq>{seq}
    </rdf:Seq></items>
  </channel>{items}
</rdf:RDF>
"""


RESEARCH = [
    (
        "low-altitude-2027",
        "低空经济深度：从政策试点到规模化运营",
        "2026-11-20",
        "低空经济",
        "空域管理改革、适航审定提速和地方基础设施投入，是低空经济从试点走向规模化的三条主线。"
        "我们测算（演示数据），到2030年eVTOL整机与运营市场规模有望达到3200亿元，但商业化节奏取决于适航取证与起降点建设。"
        "风险在于安全事故、政策落地不及预期以及整机成本下降慢于预期。",
    ),
    (
        "humanoid-robot-chain",
        "人形机器人产业链梳理：关节、减速器与灵巧手",
        "2026-11-20",
        "人形机器人",
        "人形机器人的成本结构中，关节模组与减速器合计约占整机成本的45%，占比最高，传感器与灵巧手决定上限。"
        "国内厂商在谐波减速器和无框力矩电机上已具备量产能力（演示判断），整机放量仍需场景验证。"
        "建议关注核心零部件环节的订单兑现情况，警惕概念炒作带来的估值波动。",
    ),
    (
        "rrr-cut-impact",
        "降准点评：释放长期资金，银行息差压力缓解",
        "2026-11-20",
        "降准",
        "本次下调存款准备金率0.25个百分点，预计释放长期资金约5000亿元（演示数据）。"
        "降准直接降低银行负债成本，对净息差形成支撑；对权益市场而言，更重要的是释放稳增长的政策信号。"
        "后续仍需关注信贷投放和地产销售的边际变化。",
    ),
    (
        "semiconductor-cycle",
        "半导体周期跟踪：库存去化接近尾声",
        "2026-11-18",
        "半导体",
        "从演示样本公司的库存周转天数看，半导体设计环节库存去化已持续六个季度，接近历史均值。"
        "需求端，算力相关芯片维持高景气，消费电子温和复苏。设备与材料国产化率继续提升。",
    ),
    (
        "bank-dividend",
        "银行板块：高股息策略的再审视",
        "2026-11-17",
        "银行",
        "在利率下行环境中，银行板块的股息率优势仍然明显。我们以演示样本测算，板块平均股息率约为5%。"
        "需要警惕的是资产质量的尾部风险和息差的持续收窄。",
    ),
    (
        "new-energy-price",
        "新能源：产业链价格企稳的信号",
        "2026-11-16",
        "新能源",
        "硅料、电池片价格连续三周持平（演示数据），产业链价格战出现缓和迹象。"
        "行业自律与产能出清是价格企稳的前提，龙头公司的成本优势将在周期底部体现。",
    ),
    (
        "northbound-flow",
        "北向资金行为分析：配置型与交易型资金的分化",
        "2026-11-19",
        "北向资金",
        "拆分北向资金流向可见，配置型资金持续增持消费与金融，交易型资金在科技板块快进快出（演示分析）。"
        "单日流向对指数的指示意义有限，更应关注月度累计方向。",
    ),
    (
        "liquor-demand",
        "白酒：动销平稳，批价仍是观察窗口",
        "2026-11-18",
        "白酒",
        "演示调研显示，主要白酒品牌动销平稳，渠道库存处于合理区间，批价是判断需求的关键指标。"
        "春节备货期的表现将决定明年上半年的业绩基调。",
    ),
    (
        "compute-capex",
        "算力投资：资本开支高增能持续多久",
        "2026-11-19",
        "算力",
        "头部云厂商资本开支同比增长52%（演示数据），服务器、光模块与液冷环节受益。"
        "但需警惕需求透支与技术路线切换风险，估值已反映较多乐观预期。",
    ),
    (
        "auto-export",
        "汽车出口：新能源车海外放量",
        "2026-11-17",
        "汽车",
        "前十个月新能源汽车出口保持较快增长（演示数据），欧洲与东南亚市场贡献主要增量。"
        "贸易政策的不确定性是主要风险。",
    ),
    (
        "insurance-rates",
        "保险：预定利率下调后的负债端变化",
        "2026-11-16",
        "保险",
        "预定利率下调降低了新单负债成本，分红险占比提升（演示判断）。"
        "资产端在低利率环境下面临再投资压力，权益配置比例有望小幅提升。",
    ),
    (
        "metals-outlook",
        "有色金属：铜价高位震荡的逻辑",
        "2026-11-19",
        "有色金属",
        "全球铜矿供给扰动频发，叠加电网与新能源需求，铜价维持高位震荡（演示判断）。"
        "需要关注海外利率路径对商品价格的影响。",
    ),
]


def research_page(slug: str, title: str, date: str, topic: str, body: str) -> str:
    paragraphs = "".join(
        f"\n      <p>{escape(s)}。</p>" for s in body.rstrip("。").split("。") if s
    )
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>{escape(title)} | 演示研究所</title>
  <meta name="date" content="{date}">
  <meta name="author" content="演示研究所 策略组">
</head>
<body>
  <header><nav><a href="index.html">研究首页</a> · 演示研究所</nav></header>
  <main>
    <article>
      <h1>{escape(title)}</h1>
      <p class="meta">演示研究所 · {date} · 主题：{escape(topic)}</p>{paragraphs}
      <p>免责声明：本报告为演示用虚构内容，不构成任何投资建议。</p>
    </article>
  </main>
  <footer>© 演示研究所（虚构）</footer>
</body>
</html>
"""


def research_index() -> str:
    links = "".join(
        f'\n    <li><a href="{slug}.html">{escape(title)}</a> <span>{date}</span></li>'
        for slug, title, date, _, _ in RESEARCH
    )
    return f"""<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>演示研究所 · 研报精选</title></head>
<body>
  <h1>研报精选（演示）</h1>
  <ul>{links}
  </ul>
</body>
</html>
"""


# (day, 上证指数 change %, turnover 亿元, northbound 亿元, planted sector moves)
MARKET_DAYS: list[tuple[datetime, float, int, float, dict[str, float]]] = [
    (DAYS[0], 0.21, 10360, 18.6, {}),
    (DAYS[1], -0.35, 9870, -23.4, {}),
    (DAYS[2], 0.48, 10520, 31.2, {}),
    (DAYS[3], 0.92, 11840, 45.7, {"低空经济": 5.86}),
    (DAYS[4], -0.18, 11210, -12.9, {"人形机器人": 4.62, "低空经济": 2.35}),
    (
        OVERNIGHT,
        1.26,
        13260,
        68.4,
        {"银行": 2.91, "房地产": 2.44, "低空经济": 3.72, "人形机器人": 3.08},
    ),
]
INDICES = [("上证指数", 3388.42, 1.0), ("深证成指", 10815.36, 1.3), ("创业板指", 2176.58, 1.6)]


def market_snapshots(seed: int = 20261123) -> list[dict[str, object]]:
    """One snapshot per demo trading day, consistent with the planted stories."""
    rng = random.Random(seed)
    closes = {name: start for name, start, _ in INDICES}
    snapshots: list[dict[str, object]] = []
    for day, shanghai, turnover, northbound, planted in MARKET_DAYS:
        indices = []
        for name, _, beta in INDICES:
            noise = rng.uniform(-0.15, 0.15) if name != "上证指数" else 0.0
            change = round(shanghai * beta + noise, 2)
            closes[name] = round(closes[name] * (1 + change / 100), 2)
            indices.append({"name": name, "close": closes[name], "change_pct": change})
        moves = {sector: round(rng.uniform(-1.8, 1.8), 2) for sector in SECTORS}
        moves.update(planted)
        up = rng.randint(2600, 3400) if shanghai > 0 else rng.randint(1600, 2300)
        snapshots.append(
            {
                "date": day.date().isoformat(),
                "as_of": day.replace(hour=15).isoformat(),
                "indices": indices,
                "turnover": f"{turnover}亿元",
                "northbound_net": f"{northbound}亿元",
                "sectors": [{"name": k, "change_pct": v} for k, v in moves.items()],
                "breadth": {
                    "up": up,
                    "down": 5100 - up,
                    "limit_up": rng.randint(40, 110),
                    "limit_down": rng.randint(2, 15),
                },
            }
        )
    return snapshots


def main() -> None:
    entries = build_entries()
    feeds = HERE / "feeds"
    research = HERE / "research"
    feeds.mkdir(exist_ok=True)
    research.mkdir(exist_ok=True)
    writers = {"rss2": rss2, "atom": atom, "rdf": rdf}
    for outlet in OUTLETS:
        mine = sorted(
            (e for e in entries if e.outlet == outlet.name), key=lambda e: e.published, reverse=True
        )
        text = writers[outlet.format](outlet, mine)
        (feeds / f"{outlet.name}.xml").write_bytes(text.encode(outlet.encoding))
    for slug, title, date, topic, body in RESEARCH:
        (research / f"{slug}.html").write_text(
            research_page(slug, title, date, topic, body), encoding="utf-8"
        )
    (research / "index.html").write_text(research_index(), encoding="utf-8")
    market = HERE / "market"
    market.mkdir(exist_ok=True)
    document = {"note": "演示用虚构行情数据", "snapshots": market_snapshots()}
    (market / "snapshots.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(
        f"{len(entries)} feed items in {len(OUTLETS)} feeds, {len(RESEARCH)} research pages, "
        f"{len(MARKET_DAYS)} market snapshots"
    )


if __name__ == "__main__":
    main()
