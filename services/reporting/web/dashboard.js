// The reporting dashboard: reads only the reporting API (/v1/...), draws with
// Apache ECharts (served from npm's node_modules), keeps its filters and
// language in the URL so that a link can be shared. The API key is asked
// for once and kept in this tab's sessionStorage (or given as #key=...).
"use strict";

const FILTERS = ["region", "product_model", "kind", "tag"];
const UI = {
  zh: {
    title: "顾客满意度看板", period: "期间", region: "区域", product_model: "产品型号",
    kind: "回访类别", tag: "客户类型", clear: "清除筛选", switch: "English", pdf: "PDF 报告",
    key: "API 密钥", ok: "确定", all: "全部", product_quality: "产品质量满意率",
    service_quality: "服务质量满意率", retail_mean_score: "零售平均分", records: "回访记录数",
    trend: "近12期趋势", by_product_model: "按产品型号", by_region: "按区域",
    by_kind: "按回访类别", by_tag: "按客户类型", visits: "各区域回访", attempts: "未成功回访原因",
    complaints: "各部门投诉", forms: "信息反馈单", open_by_age: "未关闭反馈单（按天数）",
    capas: "纠正预防措施", suggestions: "意见和建议", record_no: "记录编号", customer: "客户",
    visited_on: "回访日期", text: "内容", search: "搜索", unfiltered: "不受筛选影响",
    previous: "上期", pq: "产品质量", sq: "服务质量", score: "零售平均分",
    planned: "计划", done: "已回访", done_late: "逾期完成", overdue: "逾期", missed: "错过",
    opened: "新开", resolved: "已处理", revisited: "已复访", still_open: "未关闭",
    verified: "已验证", complaint: "投诉", service_request: "服务申请", problem_report: "问题报告",
    suggestion_form: "建议单", bad_key: "密钥无效", none: "无",
    sla: "各部门投诉SLA达标率", sla_note: "已处理投诉中无超时的比例", sla_trend: "投诉SLA超时趋势",
    compliance: "SLA达标率", assignment_breaches: "分派超时", resolution_breaches: "处理超时",
    past_due: "已逾期", past_due_capas: "逾期未验证的纠正预防措施", capa_id: "编号",
    owner: "责任部门", due_date: "要求完成日期", days_past_due: "逾期天数",
  },
  en: {
    title: "Customer satisfaction dashboard", period: "Period", region: "Region",
    product_model: "Product model", kind: "Visit kind", tag: "Customer tag", clear: "Clear filters",
    switch: "中文", pdf: "PDF report", key: "API key", ok: "OK", all: "All",
    product_quality: "Product quality satisfied", service_quality: "Service quality satisfied",
    retail_mean_score: "Retail mean score", records: "Visit records", trend: "Last 12 periods",
    by_product_model: "By product model", by_region: "By region", by_kind: "By visit kind",
    by_tag: "By customer tag", visits: "Visits by region", attempts: "Failed attempts by reason",
    complaints: "Complaints by department", forms: "Feedback forms", open_by_age: "Open forms by age (days)",
    capas: "CAPAs", suggestions: "Suggestions and needs", record_no: "Record no", customer: "Customer",
    visited_on: "Visited on", text: "Text", search: "Search", unfiltered: "not filtered",
    previous: "previous", pq: "Product quality", sq: "Service quality", score: "Retail mean score",
    planned: "Planned", done: "Done", done_late: "Done late", overdue: "Overdue", missed: "Missed",
    opened: "Opened", resolved: "Resolved", revisited: "Re-visited", still_open: "Still open",
    verified: "Verified", complaint: "Complaints", service_request: "Service requests",
    problem_report: "Problem reports", suggestion_form: "Suggestion forms", bad_key: "Invalid key",
    none: "none",
    sla: "Complaint SLA compliance by department", sla_note: "share of resolved complaints with no SLA breach",
    sla_trend: "Complaint SLA breaches over time", compliance: "SLA compliance",
    assignment_breaches: "Assignment breaches", resolution_breaches: "Resolution breaches",
    past_due: "Past due", past_due_capas: "CAPAs past due", capa_id: "CAPA", owner: "Owner",
    due_date: "Due date", days_past_due: "Days past due",
  },
};

const state = { params: new URLSearchParams(location.search), labels: { zh: {}, en: {} }, charts: {}, data: {} };
window.dashboard = { ready: false, charts: state.charts, data: state.data };

function lang() { return state.params.get("lang") === "en" ? "en" : "zh"; }
function t(key) { return UI[lang()][key] || key; }
function code(value) {
  if (value === null || value === undefined) return "";
  const words = state.labels[lang()] || {};
  if (words[value]) return words[value];
  return lang() === "en" ? String(value).replace(/_/g, " ") : String(value);
}
function pct(v) { return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%"; }

function apiKey() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("key")) {
    sessionStorage.setItem("followup.key", hash.get("key"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("followup.key");
}

async function get(path, params) {
  const url = new URL(path, location.origin);
  if (params) for (const [k, v] of params) if (v) url.searchParams.set(k, v);
  const response = await fetch(url, { headers: { Authorization: "Bearer " + apiKey() } });
  if (response.status === 401 || response.status === 403) throw new Error("auth");
  if (!response.ok) throw new Error(path + ": " + response.status);
  return response.json();
}

function filterParams(extra) {
  const p = new URLSearchParams();
  p.set("period", state.params.get("period"));
  for (const f of FILTERS) if (state.params.get(f)) p.set(f, state.params.get(f));
  if (extra) for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  return p;
}

function setParam(name, value) {
  if (value) state.params.set(name, value); else state.params.delete(name);
  history.pushState(null, "", location.pathname + "?" + state.params.toString());
  load();
}

function chart(id) {
  if (!state.charts[id]) {
    state.charts[id] = echarts.init(document.getElementById(id));
    window.addEventListener("resize", () => state.charts[id].resize());
  }
  return state.charts[id];
}

function translatePage() {
  document.documentElement.lang = lang() === "zh" ? "zh" : "en";
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  document.getElementById("search").placeholder = t("search");
  document.title = t("title");
}

function fillSelect(name, values) {
  const select = document.getElementById("f-" + name);
  const current = state.params.get(name) || "";
  select.innerHTML = "";
  const all = new Option(t("all"), "");
  select.add(all);
  for (const v of values) select.add(new Option(name === "tag" ? tagLabel(v) : code(v), v));
  if (current && !values.includes(current)) select.add(new Option(code(current), current));
  select.value = current;
}
function tagLabel(tag) { const [axis, value] = tag.split(":"); return code(axis) + ": " + code(value); }

function drawCards(cards) {
  for (const name of ["product_quality", "service_quality", "retail_mean_score"]) {
    const card = cards[name];
    const el = document.getElementById("card-" + name);
    const fmt = name === "retail_mean_score" ? (v) => (v === null ? "–" : v.toFixed(2)) : pct;
    el.querySelector(".value").textContent = fmt(card.value);
    const change = el.querySelector(".change");
    change.className = "change " + (card.change > 0 ? "up" : card.change < 0 ? "down" : "");
    const delta = card.change === null ? "–" : (card.change > 0 ? "+" : "") +
      (name === "retail_mean_score" ? card.change.toFixed(2) : (card.change * 100).toFixed(1) + "pp");
    change.textContent = t("previous") + " " + fmt(card.previous) + " · " + delta;
    el.dataset.value = card.value === null ? "" : String(card.value);
  }
  const records = document.getElementById("card-records");
  records.querySelector(".value").textContent = String(cards.records);
  records.dataset.value = String(cards.records);
}

function drawTrend(trend) {
  const points = trend.points;
  chart("chart-trend").setOption({
    tooltip: { trigger: "axis" },
    legend: { data: [t("pq"), t("sq"), t("score")] },
    xAxis: { type: "category", data: points.map((p) => p.period) },
    yAxis: [
      { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => v * 100 + "%" } },
      { type: "value", min: 0, max: 100 },
    ],
    series: [
      { name: t("pq"), type: "line", data: points.map((p) => p.product_quality), connectNulls: true },
      { name: t("sq"), type: "line", data: points.map((p) => p.service_quality), connectNulls: true },
      { name: t("score"), type: "line", yAxisIndex: 1, data: points.map((p) => p.retail_mean_score), connectNulls: true },
    ],
  }, true);
}

function drawAxis(id, groups, filter) {
  const keys = Object.keys(groups);
  const c = chart(id);
  c.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [t("pq"), t("sq")] },
    grid: { left: 60, right: 10, top: 30, bottom: 70 },
    xAxis: { type: "category", data: keys.map((k) => (filter === "tag" ? tagLabel(k) : code(k))), axisLabel: { rotate: 30 } },
    yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => v * 100 + "%" } },
    series: [
      { name: t("pq"), type: "bar", data: keys.map((k) => groups[k].product_quality.shares.satisfied) },
      { name: t("sq"), type: "bar", data: keys.map((k) => groups[k].service_quality.shares.satisfied) },
    ],
  }, true);
  c.off("click");
  c.on("click", (event) => setParam(filter, keys[event.dataIndex]));
}

function tagGroups(axes) {
  const out = {};
  for (const [axis, groups] of Object.entries(axes)) {
    if (!axis.startsWith("tag.")) continue;
    for (const [value, s] of Object.entries(groups)) out[axis.slice(4) + ":" + value] = s;
  }
  return out;
}

function grouped(id, categories, names, rows, labeller) {
  chart(id).setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: names.map(t) },
    grid: { left: 40, right: 10, top: 30, bottom: 70 },
    xAxis: { type: "category", data: categories.map(labeller || code), axisLabel: { rotate: 20 } },
    yAxis: { type: "value", minInterval: 1 },
    series: names.map((n) => ({ name: t(n), type: "bar", data: categories.map((c) => rows[c][n]) })),
  }, true);
}

function single(id, categories, values) {
  chart(id).setOption({
    tooltip: {},
    grid: { left: 40, right: 10, top: 30, bottom: 70 },
    xAxis: { type: "category", data: categories.map(code), axisLabel: { rotate: 20 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: values }],
  }, true);
}

// Breaches (bars, left axis) with the compliance share (line, right axis).
function slaChart(id, categories, rows, labeller) {
  const breaches = ["assignment_breaches", "resolution_breaches"];
  chart(id).setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [...breaches, "compliance"].map(t) },
    grid: { left: 40, right: 50, top: 30, bottom: 70 },
    xAxis: { type: "category", data: categories.map(labeller || code), axisLabel: { rotate: 20 } },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 1, axisLabel: { formatter: (v) => v * 100 + "%" } },
    ],
    series: [
      ...breaches.map((n) => ({ name: t(n), type: "bar", stack: "breaches", data: categories.map((c) => rows[c][n]) })),
      { name: t("compliance"), type: "line", yAxisIndex: 1, connectNulls: true, data: categories.map((c) => rows[c].compliance) },
    ],
  }, true);
}

function drawSla(sla) {
  slaChart("chart-sla", Object.keys(sla.by_department), sla.by_department);
  const byPeriod = Object.fromEntries(sla.trend.map((p) => [p.period, p]));
  slaChart("chart-sla-trend", sla.trend.map((p) => p.period), byPeriod, String);
}

function drawPastDue(list) {
  const body = document.querySelector("#capas-past-due tbody");
  body.innerHTML = "";
  for (const c of list) {
    const row = body.insertRow();
    for (const v of [c.capa_id, code(c.owner), c.due_date, String(c.days_past_due)]) row.insertCell().textContent = v;
  }
}

function drawSuggestions(list) {
  const body = document.querySelector("#suggestions tbody");
  body.innerHTML = "";
  for (const s of list.suggestions) {
    const row = body.insertRow();
    for (const v of [s.record_no, s.customer_id, s.visited_on, s.text || s.post_warranty_service.map(code).join("、")]) {
      row.insertCell().textContent = v;
    }
  }
}

async function loadSuggestions() {
  const q = state.params.get("q") || "";
  document.getElementById("search").value = q;
  state.data.suggestions = await get("/v1/dashboard/suggestions", filterParams({ q }));
  drawSuggestions(state.data.suggestions);
}

// When the first chart and every widget were drawn (ms since navigation):
// the benchmark reads them (`bench/queries.py`, issue 11: first chart ≤ 2 s).
function drawn() {
  if (window.dashboard.firstChartAt === undefined) window.dashboard.firstChartAt = performance.now();
}

async function load() {
  window.dashboard.ready = false;
  translatePage();
  const period = state.params.get("period");
  const p = filterParams();
  document.getElementById("f-period").value = period;
  document.getElementById("pdf").href = "/v1/reports/monthly/" + period + ".pdf";
  // Each widget is drawn as soon as its own answer is in, not after the slowest.
  await Promise.all([
    get("/v1/dashboard/cards", p).then((cards) => {
      state.data.cards = cards;
      drawCards(cards);
      drawn();
    }),
    get("/v1/dashboard/trend", p).then((trend) => {
      state.data.trend = trend;
      drawTrend(trend);
      drawn();
    }),
    get("/v1/dashboard/breakdowns", p).then((breakdowns) => {
      state.data.breakdowns = breakdowns;
      drawAxis("chart-product_model", breakdowns.axes.product_model, "product_model");
      drawAxis("chart-region", breakdowns.axes.region, "region");
      drawAxis("chart-kind", breakdowns.axes.kind, "kind");
      drawAxis("chart-tag", tagGroups(breakdowns.axes), "tag");
      drawn();
    }),
    get("/v1/dashboard/breakdowns", new URLSearchParams({ period })).then((options) => {
      fillSelect("region", Object.keys(options.axes.region));
      fillSelect("product_model", Object.keys(options.axes.product_model));
      fillSelect("kind", Object.keys(options.axes.kind));
      fillSelect("tag", Object.keys(tagGroups(options.axes)));
    }),
    get("/v1/dashboard/visits", p).then((visits) => {
      state.data.visits = visits;
      const regions = Object.keys(visits.by_region);
      grouped("chart-visits", regions, ["planned", "done", "done_late", "overdue", "missed"], visits.by_region);
      const reasons = Object.keys(visits.failed_attempts_by_reason);
      single("chart-attempts", reasons, reasons.map((r) => visits.failed_attempts_by_reason[r]));
      drawn();
    }),
    get("/v1/dashboard/feedback", new URLSearchParams({ period })).then((feedback) => {
      state.data.feedback = feedback;
      drawFeedback(feedback);
      drawn();
    }),
    loadSuggestions(),
  ]);
  window.dashboard.readyAt = performance.now();
  window.dashboard.ready = true;
  document.body.dataset.ready = "1";
}

function drawFeedback(feedback) {
  const departments = Object.keys(feedback.complaints.by_department);
  grouped("chart-complaints", departments, ["opened", "resolved", "revisited", "still_open"], feedback.complaints.by_department);
  const forms = { complaint: feedback.complaints, service_request: feedback.service_requests,
    problem_report: feedback.problem_reports, suggestion_form: feedback.suggestion_forms };
  grouped("chart-forms", Object.keys(forms), ["opened", "resolved", "revisited", "still_open"], forms, t);
  const ages = Object.keys(feedback.open_by_age);
  single("chart-ages", ages, ages.map((a) => feedback.open_by_age[a]));
  drawSla(feedback.sla);
  const capas = ["opened", "verified", "still_open", "past_due"];
  chart("chart-capas").setOption({
    tooltip: {}, xAxis: { type: "category", data: capas.map(t) }, yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: capas.map((k) => feedback.capas[k]) }],
  }, true);
  drawPastDue(feedback.capas.past_due_capas);
}

async function start() {
  if (!apiKey()) {
    document.getElementById("keyform").hidden = false;
    document.getElementById("main").hidden = true;
    translatePage();
    return;
  }
  try {
    state.labels = await get("/v1/dashboard/labels");
    const periods = (await get("/v1/reports/periods")).periods;
    const select = document.getElementById("f-period");
    select.innerHTML = "";
    for (const period of periods.slice().reverse()) select.add(new Option(period, period));
    if (!state.params.get("period")) {
      state.params.set("period", periods.length ? periods[periods.length - 1] : new Date().toISOString().slice(0, 7));
      history.replaceState(null, "", location.pathname + "?" + state.params.toString());
    }
    if (!periods.includes(state.params.get("period"))) select.add(new Option(state.params.get("period"), state.params.get("period")));
    await load();
  } catch (error) {
    if (error.message === "auth") {
      sessionStorage.removeItem("followup.key");
      document.getElementById("keyform").hidden = false;
      document.getElementById("keyerror").textContent = t("bad_key");
      return;
    }
    throw error;
  }
}

document.getElementById("keygo").addEventListener("click", () => {
  sessionStorage.setItem("followup.key", document.getElementById("key").value.trim());
  document.getElementById("keyform").hidden = true;
  document.getElementById("main").hidden = false;
  start();
});
for (const name of ["period", ...FILTERS]) {
  document.getElementById("f-" + name).addEventListener("change", (e) => setParam(name, e.target.value));
}
document.getElementById("pdf").addEventListener("click", async (e) => {
  // The API needs the key in a header, which a plain link cannot send.
  e.preventDefault();
  const response = await fetch(e.currentTarget.href, { headers: { Authorization: "Bearer " + apiKey() } });
  if (response.ok) window.open(URL.createObjectURL(await response.blob()), "_blank");
});
document.getElementById("clear").addEventListener("click", () => {
  for (const f of FILTERS) state.params.delete(f);
  setParam("q", "");
});
document.getElementById("lang").addEventListener("click", () => setParam("lang", lang() === "zh" ? "en" : ""));
let searchTimer = null;
document.getElementById("search").addEventListener("input", (e) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    if (e.target.value) state.params.set("q", e.target.value); else state.params.delete("q");
    history.replaceState(null, "", location.pathname + "?" + state.params.toString());
    loadSuggestions();
  }, 250);
});
window.addEventListener("popstate", () => { state.params = new URLSearchParams(location.search); load(); });
start();
