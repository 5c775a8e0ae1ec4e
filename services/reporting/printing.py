"""The monthly report as a printable document (顾客满意度测量报告): an HTML
print view in Chinese with the sections of domain.md ("The monthly report"),
and a PDF printed from it by headless Chromium (Debian's `chromium`,
installed by `make browser`; `--print-to-pdf`, no network: the page is a
local file with its style inline).

Rendered from the same `MonthlyReport` the JSON endpoint returns (frozen for
a closed period, with its hash, distribution and amendments), so the
document and the JSON always hold the same numbers. Codes never reach the
reader: every one goes through `labels.label(code, "zh")`.
"""

import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path

from services.reporting.labels import label
from services.reporting.models import (
    ComplaintsRead,
    MonthlyReport,
    SatisfactionRead,
    TallyRead,
)

TITLE = "顾客满意度测量报告"
MEDIA_TYPE = "application/pdf"
PRINT_TIMEOUT_S = 60
SECTIONS = (
    "一、概要",
    "二、产品质量满意度",
    "三、服务质量满意度",
    "四、分类统计",
    "五、零售平均分及近12期趋势",
    "六、回访情况",
    "七、信息反馈单",
    "八、纠正预防措施",
    "九、新需求与商机",
    "十、意见和建议",
    "十一、评审",
    "十二、分发与更正",
)
STYLE = """
@page { size: A4; margin: 16mm 14mm; }
body { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif;
       font-size: 10.5pt; color: #111; }
h1 { text-align: center; font-size: 20pt; margin: 0 0 4pt; }
.sub { text-align: center; color: #444; margin-bottom: 10pt; }
h2 { font-size: 13pt; border-bottom: 1px solid #1f3a5f; margin: 14pt 0 4pt; }
h3 { font-size: 11pt; margin: 8pt 0 3pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: 6pt; }
th, td { border: 1px solid #999; padding: 2pt 4pt; text-align: left; }
th { background: #e8edf3; }
td.n { text-align: right; }
.hash { font-family: monospace; font-size: 8pt; word-break: break-all; }
"""


def _zh(code: object) -> str:
    return label(str(code), "zh") if code is not None else "—"


def _cell(value: object) -> str:
    if value is None:
        return "<td>—</td>"
    if isinstance(value, bool):
        return f"<td>{'是' if value else '否'}</td>"
    if isinstance(value, int | float):
        return f'<td class="n">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body or '<tr><td>无</td></tr>'}</table>"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _tally(t: TallyRead) -> str:
    rows = [
        (_zh(name), getattr(t, name), _share(t.shares[name]))
        for name in ("satisfied", "neutral", "dissatisfied")
    ]
    return _table(["评价", "数量", "比例"], [*rows, ("合计", t.rated, "")])


def _groups(title: str, groups: Mapping[str, SatisfactionRead]) -> str:
    rows = [
        (
            _zh(name),
            g.records,
            _share(g.product_quality.shares["satisfied"]),
            _share(g.service_quality.shares["satisfied"]),
            g.mean_score,
        )
        for name, g in groups.items()
    ]
    headers = [title, "记录数", "产品质量满意率", "服务质量满意率", "平均分"]
    return f"<h3>{escape(title)}</h3>" + _table(headers, rows)


def _forms(title: str, forms: ComplaintsRead) -> str:
    rows: list[Sequence[object]] = [
        (_zh(d), c.opened, c.resolved, c.revisited, c.still_open)
        for d, c in forms.by_department.items()
    ]
    rows.append(
        ("合计", forms.opened, forms.resolved, forms.revisited, forms.still_open)
    )
    headers = ["部门", "新开", "已处理", "已复访", "未关闭"]
    return f"<h3>{escape(title)}</h3>" + _table(headers, rows)


def render_html(report: MonthlyReport) -> str:
    """The print view of the report, in Chinese."""
    r = report
    v = r.visits
    s = list(SECTIONS)
    parts = [
        f"<h1>{TITLE}</h1>",
        f'<p class="sub">{r.period} 期（{r.start} 至 {r.end}，'
        f"截止日 {r.cutoff_day} 日）</p>",
        f"<h2>{s[0]}</h2>",
        _table(
            ["项目", "数值"],
            [
                ("回访记录数", r.records),
                ("产品质量满意率", _share(r.product_quality.shares["satisfied"])),
                ("服务质量满意率", _share(r.service_quality.shares["satisfied"])),
                ("零售平均分", r.retail_mean_score),
                ("状态", "已冻结" if r.frozen else "实时计算（未冻结）"),
            ],
        ),
        f"<h2>{s[1]}</h2>",
        _tally(r.product_quality),
        f"<h2>{s[2]}</h2>",
        _tally(r.service_quality),
        f"<h2>{s[3]}</h2>",
        _groups("产品型号", r.by_product_model),
        _groups("回访类别", r.by_kind),
        _groups("区域", r.by_region),
        _groups("公司", r.by_company),
        *(_groups(f"客户类型：{_zh(axis)}", g) for axis, g in r.by_tag.items()),
        "<h3>客户</h3>",
        _table(
            ["客户", "名称", "记录数", "产品质量满意率", "服务质量满意率"],
            [
                (
                    k,
                    c.customer_name,
                    c.records,
                    _share(c.product_quality.shares["satisfied"]),
                    _share(c.service_quality.shares["satisfied"]),
                )
                for k, c in r.by_customer.items()
            ],
        ),
        f"<h2>{s[4]}</h2>",
        _table(
            ["期间", "零售记录数", "平均分"],
            [(p.period, p.records, p.mean_score) for p in r.score_trend],
        ),
        f"<h2>{s[5]}</h2>",
        _table(
            ["计划", "已回访", "逾期完成", "逾期", "错过"],
            [(v.planned, v.done, v.done_late, v.overdue, v.missed)],
        ),
        "<h3>未成功回访原因</h3>",
        _table(
            ["原因", "次数"],
            [(_zh(k), n) for k, n in v.failed_attempts_by_reason.items()],
        ),
        f"<h2>{s[6]}</h2>",
        _forms("投诉", r.complaints),
        _forms("服务申请", r.service_requests),
        _forms("问题报告", r.problem_reports),
        _forms("建议单", r.suggestion_forms),
        f"<h2>{s[7]}</h2>",
        _table(
            ["新开", "已验证", "未关闭"],
            [(r.capas.opened, r.capas.verified, r.capas.still_open)],
        ),
        f"<h2>{s[8]}</h2>",
        _table(
            ["记录编号", "客户", "日期", "类别", "内容"],
            [
                (o.record_no, o.customer_id, str(o.visited_on), _zh(o.kind), o.text)
                for o in r.opportunities
            ],
        ),
        f"<h2>{s[9]}</h2>",
        _table(
            ["记录编号", "客户", "日期", "内容"],
            [
                (
                    x.record_no,
                    x.customer_id,
                    str(x.visited_on),
                    x.text or "、".join(_zh(p) for p in x.post_warranty_service),
                )
                for x in r.suggestions
            ],
        ),
        f"<h2>{s[10]}</h2>",
        _table(
            ["部分", "公司", "评审人", "日期", "需要纠正预防措施", "理由"],
            [
                (
                    _zh(x.part),
                    x.company,
                    x.reviewer,
                    str(x.reviewed_on),
                    x.capa_needed,
                    x.reason,
                )
                for x in r.reviews
            ],
        ),
        f"<h2>{s[11]}</h2>",
        *_handed_out(r),
    ]
    body = "\n".join(parts)
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{TITLE} {r.period}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def _handed_out(r: MonthlyReport) -> list[str]:
    if r.frozen is None:
        return ["<p>本期报告尚未冻结：以上为实时计算结果。</p>"]
    f = r.frozen
    return [
        f"<p>冻结于 {escape(f.frozen_at)}（业务日期 {f.frozen_on}）。</p>",
        f'<p>内容哈希：<span class="hash">{escape(f.content_hash)}</span></p>',
        "<h3>分发</h3>",
        _table(
            ["接收方", "类别", "分发时间"],
            [(_zh(x.recipient), _zh(x.kind), x.handed_at) for x in f.distribution],
        ),
        "<h3>更正（冻结后到达的本期记录，未计入上表）</h3>",
        _table(
            ["记录编号", "客户", "日期", "类别", "产品质量", "服务质量", "得分"],
            [
                (
                    a.record_no,
                    a.customer_id,
                    str(a.visited_on),
                    _zh(a.kind),
                    _zh(a.product_quality),
                    _zh(a.service_quality),
                    a.score,
                )
                for a in r.amendments or []
            ],
        ),
    ]


class PrinterMissingError(RuntimeError):
    """No headless Chromium on this machine (`make browser`)."""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def to_pdf(html: str) -> bytes:
    """Print the HTML to PDF with headless Chromium."""
    binary = chromium()
    if binary is None:
        msg = "headless Chromium is not installed here (make browser)"
        raise PrinterMissingError(msg)
    with tempfile.TemporaryDirectory(prefix="report-") as tmp:
        page, pdf = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                binary,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-pdf-header-footer",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={pdf}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=PRINT_TIMEOUT_S,
        )
        return pdf.read_bytes()


def render_pdf(report: MonthlyReport) -> bytes:
    """The report as PDF bytes."""
    return to_pdf(render_html(report))


__all__ = ["MEDIA_TYPE", "TITLE", "PrinterMissingError", "render_html", "render_pdf"]
