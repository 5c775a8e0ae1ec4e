// The service centre's console: static pages over the five APIs, reached
// through this console's forwarder (/api/<service>/v1/...). The person's own
// API key is kept in this tab's sessionStorage and sent with every call; what
// the page shows follows the key's scopes: each capability is probed once at
// sign-in with a harmless call (an empty command answers 422 when allowed,
// 403 when not) and whatever answers 403 is hidden.
"use strict";

const UI = {
  zh: {
    title: "客户服务中心", switch: "English", signout: "退出", signin: "登录",
    signin_note: "粘贴您的 API 密钥；它只保存在本标签页中。", key: "API 密钥", ok: "确定",
    bad_key: "密钥无效或已过期", worklist: "回访工作清单", tickets: "反馈单处理", capas: "纠正预防措施",
    customer: "客户", upload: "周五台帐上传", as_of: "日期", region: "区域", channel: "方式",
    batch_days: "集中回访日期", overdue: "逾期", visit: "回访", kind: "类别", unit: "设备",
    due_date: "应回访日期", latest_date: "最迟日期", status: "状态", attempts: "未成功次数",
    contacts: "联系人", actions: "操作", record: "记录回访", history: "历史", calendar: "日历订阅 (.ics)",
    more: "加载更多批次", no_visits: "今天没有要做的回访", record_title: "回访记录", visited_on: "回访日期", visitor: "回访人员",
    submit: "提交", suggestions: "意见和建议", needs: "需求", opportunities: "新需求和商机",
    unresolved_by_phone: "电话无法解决，需要上门", recorded: "已记录", record_no: "记录编号",
    complaints_raised: "产生的信息反馈单", none: "无", failed_attempt: "回访不成功",
    attempted_on: "日期", reason: "原因", note: "备注", save_attempt: "记录未成功回访",
    attempt_saved: "已记录第 {n} 次未成功回访", fix_fields: "请更正标出的内容",
    department: "部门", ticket: "反馈单", subject: "主题", description: "内容", assignee: "处理人",
    opened_on: "开单日期", sla: "时限", assign: "分派", resolve: "处理完成", resolution: "处理结果",
    on: "日期", breached: "已超时", on_time: "未超时", assign_by: "分派期限", resolve_by: "处理期限",
    conflict: "操作未执行：这张反馈单已被他人修改，或它现在的状态不允许此操作。页面已刷新，请查看后重试。",
    not_allowed: "您的密钥不允许此操作", done_ok: "已完成", capa: "措施", owner: "责任部门",
    action: "措施内容", past_due: "已逾期", verify: "验证", evidence: "验证证据", open_capa: "新开措施",
    source_tickets: "来源反馈单（逗号分隔）", source_period: "来源期间 (YYYY-MM)", due: "要求完成日期",
    customer_id: "客户编号", show: "查看", timeline: "时间线", date: "日期", what: "事件",
    ledger: "台帐", template_xlsx: "下载 Excel 模板", template_csv: "下载 CSV 模板", fact: "事实类型",
    file: "文件", dry_run: "校验（不导入）", import: "导入", marked: "下载标出错误的工作簿",
    sheet: "工作表", row: "行", column: "列", rule: "规则", rows: "行数", appended: "已追加",
    already: "已存在（未重复追加）", problems: "问题", no_problems: "没有问题", refused: "导入被拒绝，未追加任何内容",
    escalated: "已升级", loading: "加载中…", error: "出错了", sending: "正在上传…", checking: "正在校验…",
    importing: "正在导入…", checked: "校验完成", imported: "导入完成", choose_file: "请先选择文件", no_answer: "服务没有应答",
  },
  en: {
    title: "Service centre", switch: "中文", signout: "Sign out", signin: "Sign in",
    signin_note: "Paste your API key; it is kept in this tab only.", key: "API key", ok: "OK",
    bad_key: "Invalid or expired key", worklist: "Worklist", tickets: "Tickets", capas: "CAPAs",
    customer: "Customer", upload: "Friday upload", as_of: "As of", region: "Region", channel: "Channel",
    batch_days: "Batch days", overdue: "Overdue", visit: "Visit", kind: "Kind", unit: "Unit",
    due_date: "Due", latest_date: "Latest", status: "Status", attempts: "Failed attempts",
    contacts: "Contacts", actions: "Actions", record: "Record visit", history: "History",
    calendar: "Calendar feed (.ics)", more: "More batches", no_visits: "No visits to make today", record_title: "Visit record",
    visited_on: "Visited on", visitor: "Visitor", submit: "Submit", suggestions: "Suggestions",
    needs: "Needs", opportunities: "New needs and opportunities",
    unresolved_by_phone: "Not solved by phone: visit on site", recorded: "Recorded", record_no: "Record no",
    complaints_raised: "Forms raised", none: "none", failed_attempt: "Failed attempt",
    attempted_on: "Date", reason: "Reason", note: "Note", save_attempt: "Record failed attempt",
    attempt_saved: "Failed attempt no. {n} recorded", fix_fields: "Please correct the marked fields",
    department: "Department", ticket: "Ticket", subject: "Subject", description: "Description",
    assignee: "Assignee", opened_on: "Opened", sla: "SLA", assign: "Assign", resolve: "Resolve",
    resolution: "Resolution", on: "Date", breached: "breached", on_time: "on time",
    assign_by: "Assign by", resolve_by: "Resolve by",
    conflict: "Not done: someone else changed this ticket, or its state does not allow this. The page was refreshed; check and try again.",
    not_allowed: "Your key may not do this", done_ok: "Done", capa: "CAPA", owner: "Owner",
    action: "Action", past_due: "past due", verify: "Verify", evidence: "Evidence", open_capa: "Open a CAPA",
    source_tickets: "Source tickets (comma separated)", source_period: "Source period (YYYY-MM)",
    due: "Due date", customer_id: "Customer id", show: "Show", timeline: "Timeline", date: "Date",
    what: "Event", ledger: "Ledger", template_xlsx: "Excel template", template_csv: "CSV template",
    fact: "Fact type", file: "File", dry_run: "Check (dry run)", import: "Import",
    marked: "Download the marked workbook", sheet: "Sheet", row: "Row", column: "Column", rule: "Rule",
    rows: "Rows", appended: "Appended", already: "Already there (not appended again)",
    problems: "Problems", no_problems: "No problems", refused: "Import refused; nothing appended",
    escalated: "escalated", loading: "Loading…", error: "Error", sending: "Uploading…", checking: "Checking…",
    importing: "Importing…", checked: "Checked", imported: "Imported", choose_file: "Choose a file first", no_answer: "The service did not answer",
  },
};
const CODES = {
  zh: {
    phone: "电话", on_site: "上门", due: "待回访", overdue: "逾期", planned: "已计划", done: "已完成",
    escalated: "已升级", missed: "错过", open: "未分派", assigned: "已分派", resolved: "已处理",
    verified: "已验证", reopened: "重新打开", product_quality: "产品质量", service_quality: "服务质量",
    suggestion: "建议", complaint: "投诉", service_request: "服务申请", problem_report: "问题报告",
    production: "生产部", technical: "技术部", after_sales: "售后服务部", quality: "质量部",
    service_centre: "客户服务中心", producing_company: "生产公司", retail_store: "零售门店",
    no_answer: "无人接听", wrong_number: "号码错误", refused: "拒绝回访", contact_left: "联系人已离职",
    other: "其他", assignment: "分派", resolution: "处理", pre_power_on: "送电前回访",
    trial_run: "试运行回访", warranty_6m: "质保期6个月回访", warranty_12m: "质保期12个月回访",
    post_warranty_1: "质保期外第1次回访", post_warranty_2: "质保期外第2次回访",
    retail_followup: "零售回访", on_site_followup: "上门回访", service_visit: "服务回访", revisit: "复访",
    satisfied: "满意", neutral: "一般", dissatisfied: "不满意", verified_capa: "已验证",
    contract_registered: "合同登记", shipped: "发货", installed: "安装", powered_on: "送电", delivered: "送货",
  },
};
const DEPARTMENTS = ["production", "technical", "after_sales", "quality", "service_centre", "producing_company"];
const REASONS = ["no_answer", "wrong_number", "refused", "contact_left", "other"];
const FACTS = ["contract_registered", "shipped", "installed", "powered_on", "delivered"];
const UPLOADERS = ["production", "after_sales", "retail_store"];

const state = { can: {}, today: null, lang: null };
window.consoleApp = { ready: false, page: null, state };

// ---- basics ---------------------------------------------------------------
function lang() { return new URLSearchParams(location.search).get("lang") === "en" ? "en" : "zh"; }
function t(key, vars) {
  let s = UI[lang()][key] || key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
  return s;
}
function code(v) {
  if (v === null || v === undefined) return "";
  if (lang() === "zh" && CODES.zh[v]) return CODES.zh[v];
  return String(v).replace(/_/g, " ");
}
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}
function table(headers, rows, attrs) {
  return el("table", attrs || {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", { text: t(h), "data-t": h })))),
    el("tbody", {}, rows));
}
function key() { return sessionStorage.getItem("followup.key"); }
function message(text, isError) {
  const m = document.getElementById("message");
  m.hidden = !text;
  m.textContent = text || "";
  m.classList.toggle("error", !!isError);
}
function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// One call through the forwarder; never throws on an HTTP answer.
async function api(service, path, opts) {
  opts = opts || {};
  const headers = Object.assign({ Authorization: "Bearer " + key() }, opts.headers || {});
  let body = opts.body;
  if (body !== undefined && !(body instanceof Blob) && typeof body !== "string") {
    body = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch("/api/" + service + path, { method: opts.method || "GET", headers, body });
  if (opts.raw) return response;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (response.status === 401 && !opts.probe) signOut(t("bad_key"));
  return { status: response.status, ok: response.ok, data };
}
function detail(answer) {
  const d = answer.data && answer.data.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) return d.map((p) => [p.sheet, p.item, p.field, p.rule, p.message].filter((x) => x !== undefined && x !== null).join(" ")).join("; ");
  return String(answer.status);
}
function explain(answer) {
  if (answer.status === 409) return t("conflict") + " (" + detail(answer) + ")";
  if (answer.status === 403) return t("not_allowed") + " (" + detail(answer) + ")";
  return t("error") + " " + answer.status + ": " + detail(answer);
}
async function download(service, path, filename, opts) {
  const response = await api(service, path, Object.assign({ raw: true }, opts || {}));
  if (!response.ok) { message(t("error") + " " + response.status, true); return; }
  const url = URL.createObjectURL(await response.blob());
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- sign-in and what the key may do ---------------------------------------
async function probe() {
  const read = await api("scheduler", "/v1/worklist", { probe: true });
  if (read.status === 401) return false;
  const allowed = async (service, path, body, headers) => {
    const r = await api(service, path, { method: "POST", body, headers, probe: true });
    return ![401, 403, 404, 405].includes(r.status);
  };
  state.can = {
    read: read.ok,
    record: await allowed("survey", "/v1/visit-records", {}),
    handle: await allowed("feedback", "/v1/tickets/-/assign", {}),
    capas: await allowed("feedback", "/v1/capas/-/verify", {}),
    upload: await allowed("ledger", "/v1/imports?dry_run=true&fact=shipped", "", { "Content-Type": "text/csv" }),
  };
  if (read.ok) state.today = read.data.as_of;
  return true;
}
function signOut(why) {
  sessionStorage.removeItem("followup.key");
  state.can = {};
  show();
  document.getElementById("signin-error").textContent = why || "";
}
async function signIn(value) {
  sessionStorage.setItem("followup.key", value.trim());
  if (!(await probe())) { signOut(t("bad_key")); return; }
  document.getElementById("signin-error").textContent = "";
  const first = state.can.record ? "worklist" : state.can.handle ? "tickets" : state.can.capas ? "capas"
    : state.can.upload ? "upload" : "worklist";
  if (!location.hash || location.hash === "#") location.hash = "#" + first;
  show();
}

function translatePage() {
  document.documentElement.lang = lang();
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.title = t("title");
}

const PAGES = { worklist: worklistPage, record: recordPage, tickets: ticketsPage, capas: capasPage, customer: customerPage, upload: uploadPage };

async function show() {
  // Renders may overlap (a hash change during sign-in): each builds its page
  // off-screen and only the latest one is put on the screen.
  const token = (state.renders = (state.renders || 0) + 1);
  window.consoleApp.ready = false;
  translatePage();
  const signedIn = !!key() && Object.keys(state.can).length > 0;
  document.getElementById("signin").hidden = signedIn;
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("signout").hidden = !signedIn;
  const main = el("div");
  let page = "signin";
  if (signedIn) {
    const visible = { worklist: state.can.read, tickets: state.can.read, capas: state.can.read, customer: state.can.read, upload: state.can.upload };
    for (const [name, on] of Object.entries(visible)) document.getElementById("nav-" + name).hidden = !on;
    const [name, arg] = location.hash.slice(1).split("/").map(decodeURIComponent);
    page = PAGES[name] && (visible[name] !== false || name === "record") ? name : "worklist";
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.id === "nav-" + page);
    try {
      await PAGES[page](main, arg);
    } catch (err) {
      main.append(el("p", { class: "error", text: t("error") + ": " + err }));
    }
  }
  if (token !== state.renders) return;
  document.getElementById("main").replaceChildren(main);
  window.consoleApp.page = page;
  window.consoleApp.ready = true;
}

// ---- contacts ---------------------------------------------------------------
const contactCache = {};
async function contactsOf(customerId) {
  if (!contactCache[customerId]) {
    contactCache[customerId] = (async () => {
      const [ledger, orders] = await Promise.all([
        api("ledger", "/v1/ledger?customer_id=" + encodeURIComponent(customerId)),
        api("ledger", "/v1/orders?customer_id=" + encodeURIComponent(customerId)),
      ]);
      const found = { name: null, people: [] };
      for (const row of ledger.ok ? ledger.data.items : []) {
        found.name = found.name || row.customer_name;
        for (const c of [row.power_contact, row.substation_contact]) {
          const text = [c.name, c.phone].filter(Boolean).join(" ");
          if (text && !found.people.includes(text)) found.people.push(text);
        }
      }
      for (const o of orders.ok ? orders.data.items : []) {
        found.name = found.name || o.customer_name;
        const text = [o.customer_name, o.phone].filter(Boolean).join(" ");
        if (text && !found.people.includes(text)) found.people.push(text);
      }
      return found;
    })();
  }
  return contactCache[customerId];
}

// ---- 1. worklist ------------------------------------------------------------
async function worklistPage(main) {
  const answer = await api("scheduler", "/v1/worklist");
  if (!answer.ok) { main.append(el("p", { class: "error", text: explain(answer) })); return; }
  state.today = answer.data.as_of;
  main.append(el("h2", { text: t("worklist") + " · " + t("as_of") + " " + answer.data.as_of }),
    el("button", { type: "button", id: "calendar", text: t("calendar"),
      onclick: () => download("scheduler", "/v1/visits.ics?lang=" + lang(), "visits.ics") }));
  if (!answer.data.batches.length) main.append(el("p", { id: "no-visits", text: t("no_visits") }));
  await showBatches(main, answer.data.batches);
  // Issue 14: the worklist comes in pages of whole batches; `next` fetches the following ones.
  let next = answer.data.next;
  const more = el("button", { type: "button", id: "more-batches", text: t("more"), hidden: !next,
    onclick: async () => {
      more.disabled = true;
      const page = await api("scheduler", "/v1/worklist?after=" + encodeURIComponent(next));
      more.disabled = false;
      if (!page.ok) { more.before(el("p", { class: "error", text: explain(page) })); return; }
      const shown = el("div", { class: "batches" });
      more.before(shown);
      await showBatches(shown, page.data.batches);
      next = page.data.next;
      more.hidden = !next;
    } });
  main.append(more);
}
async function showBatches(main, page) {
  const batches = [...page].sort((a, b) => (b.has_overdue ? 1 : 0) - (a.has_overdue ? 1 : 0));
  const customers = [...new Set(batches.flatMap((b) => b.visits.map((v) => v.customer_id)))];
  const contacts = Object.fromEntries(await Promise.all(customers.map(async (c) => [c, await contactsOf(c)])));
  for (const batch of batches) {
    const visits = [...batch.visits].sort((a, b) => (b.status === "overdue") - (a.status === "overdue") || a.due_date.localeCompare(b.due_date));
    const rows = visits.map((v) => {
      const who = contacts[v.customer_id] || { people: [] };
      const historyCell = el("td", { class: "history" });
      const historyButton = el("button", { type: "button", class: "history-link", text: t("history"),
        onclick: async () => {
          const d = await api("scheduler", "/v1/visits/" + encodeURIComponent(v.visit_id));
          historyCell.replaceChildren(el("ul", {}, (d.ok ? d.data.history : []).map((h) => el("li", { text: [(h.occurred_at || "").slice(0, 10), code(h.type), h.caused_by || ""].join(" ") }))));
        } });
      return el("tr", { class: v.status === "overdue" ? "overdue" : "", "data-visit": v.visit_id, "data-kind": v.kind },
        el("td", {}, el("a", { href: "#customer/" + encodeURIComponent(v.customer_id), text: (who.name ? who.name + " " : "") + v.customer_id })),
        el("td", { text: who.people.join("; ") }),
        el("td", { text: code(v.kind) }),
        el("td", { text: [v.unit_id || v.order_id || "", v.product_model || ""].filter(Boolean).join(" · ") }),
        el("td", { text: v.due_date }), el("td", { text: v.latest_date }),
        el("td", {}, el("span", { class: "badge" + (v.status === "overdue" ? " bad" : ""), text: code(v.status) })),
        el("td", { text: String(v.attempts) }),
        el("td", {}, state.can.record ? el("a", { class: "record-link", href: "#record/" + encodeURIComponent(v.visit_id), text: t("record") }) : null, " ", historyButton),
        historyCell);
    });
    main.append(el("section", { class: "batch" + (batch.has_overdue ? " overdue" : "") },
      el("h3", { text: [batch.region || "–", code(batch.channel), batch.store_id || "", t("batch_days") + " " + batch.first_day + " – " + batch.last_day].filter(Boolean).join(" · ") },
        batch.has_overdue ? el("span", { class: "badge bad", text: t("overdue") }) : null),
      table(["customer", "contacts", "kind", "unit", "due_date", "latest_date", "status", "attempts", "actions", "history"], rows)));
  }
}

// ---- 2. record a visit --------------------------------------------------------
function fieldBox(field, label, input) {
  return el("div", { class: "field", "data-field": field }, el("span", { class: "label", text: label }), input, el("span", { class: "field-error" }));
}
function choices(name, options, checked) {
  return el("span", { class: "choices" }, options.map((o) => el("label", {},
    el("input", { type: "radio", name, value: JSON.stringify(o.value), checked: JSON.stringify(o.value) === JSON.stringify(checked) }), " " + o.label + " ")));
}
function showProblems(form, problems) {
  for (const e of form.querySelectorAll(".field-error")) e.textContent = "";
  const general = [];
  for (const p of problems) {
    let box = form.querySelector('[data-field="' + CSS.escape(p.field) + '"]');
    if (!box) box = [...form.querySelectorAll("[data-field]")].find((b) => p.field.startsWith(b.dataset.field + "."));
    const text = [p.rule, p.message].filter(Boolean).join(": ");
    if (box) box.querySelector(".field-error").textContent = text;
    else general.push(p.field + ": " + text);
  }
  form.querySelector(".form-error").textContent = t("fix_fields") + (general.length ? " — " + general.join("; ") : "");
}

async function recordPage(main, visitId) {
  const visit = await api("scheduler", "/v1/visits/" + encodeURIComponent(visitId || ""));
  if (!visit.ok) { main.append(el("p", { class: "error", text: explain(visit) })); return; }
  const v = visit.data;
  const [questionnaire, who] = await Promise.all([
    api("survey", "/v1/questionnaires/" + v.kind + "?lang=" + lang()), contactsOf(v.customer_id)]);
  if (!questionnaire.ok) { main.append(el("p", { class: "error", text: explain(questionnaire) })); return; }
  const q = questionnaire.data;
  const today = state.today || new Date().toISOString().slice(0, 10);
  const visitor = sessionStorage.getItem("followup.visitor") || "";
  main.append(el("h2", { text: q.title + " · " + (who.name || v.customer_id) }),
    el("p", { text: [code(v.kind), v.unit_id || v.order_id, t("due_date") + " " + v.due_date, code(v.status),
      v.attempts ? t("attempts") + " " + v.attempts : ""].filter(Boolean).join(" · ") }),
    el("p", { text: t("contacts") + ": " + (who.people.join("; ") || t("none")) }));
  const fill = (text) => text.replace("{customer}", who.name || v.customer_id).replace("{visitor}", visitor || "____")
    .replace("{brand}", "____").replace("{staff_no}", "____");
  if (q.greeting) main.append(el("p", { class: "greeting", id: "greeting", text: fill(q.greeting) }));

  const form = el("form", { id: "record-form", class: "card", novalidate: true });
  form.append(el("p", { class: "form-error error" }),
    fieldBox("visited_on", t("visited_on"), el("input", { type: "date", name: "visited_on", value: today })),
    fieldBox("visitor", t("visitor"), el("input", { type: "text", name: "visitor", value: visitor })),
    fieldBox("channel", t("channel"), el("select", { name: "channel" }, ["phone", "on_site"].map((c) => el("option", { value: c, selected: c === v.channel, text: code(c) })))));
  const recordFields = new Set();
  for (const question of q.questions) {
    const field = question.stored_in === "answers" ? "answers." + question.id : question.id;
    if (question.stored_in !== "answers") recordFields.add(question.id);
    let input;
    if (question.answer_type === "text") input = el("textarea", { name: field, rows: 2, cols: 60 });
    else input = choices(field, question.options || q.rating_scale, undefined);
    const box = fieldBox(field, question.label + (question.required ? " *" : ""), input);
    box.dataset.type = question.answer_type;
    box.dataset.question = question.id;
    form.append(box);
  }
  for (const extra of ["suggestions", "needs"]) {
    if (!recordFields.has(extra)) form.append(fieldBox(extra, t(extra), el("textarea", { name: extra, rows: 2, cols: 60 })));
  }
  if (v.channel === "phone") form.append(fieldBox("unresolved_by_phone", "", el("label", {}, el("input", { type: "checkbox", name: "unresolved_by_phone" }), " " + t("unresolved_by_phone"))));
  form.append(el("button", { type: "submit", id: "record-submit", text: t("submit") }));
  main.append(form);
  if (q.closing) main.append(el("p", { class: "closing", text: q.closing }));
  const result = el("div", { id: "record-result" });
  main.append(result);
  // One key per attempt to send this form: a second click on the same answer
  // replays it; after a refusal the corrected form is a new request.
  let idempotencyKey = uuid();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { visit_id: v.visit_id, answers: {} };
    body.visited_on = form.elements.visited_on.value;
    body.visitor = form.elements.visitor.value.trim();
    body.channel = form.elements.channel.value;
    sessionStorage.setItem("followup.visitor", body.visitor);
    for (const box of form.querySelectorAll("[data-question]")) {
      const field = box.dataset.field;
      let value;
      if (box.dataset.type === "text") value = box.querySelector("textarea").value;
      else {
        const picked = box.querySelector("input:checked");
        value = picked ? JSON.parse(picked.value) : undefined;
      }
      if (value === undefined || value === "") continue;
      if (field.startsWith("answers.")) body.answers[field.slice(8)] = value;
      else body[field] = value;
    }
    for (const extra of ["suggestions", "needs"]) {
      if (!recordFields.has(extra) && form.elements[extra].value) body[extra] = form.elements[extra].value;
    }
    if (form.elements.unresolved_by_phone) body.unresolved_by_phone = form.elements.unresolved_by_phone.checked;
    const answer = await api("survey", "/v1/visit-records?wait=true", { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey } });
    if (!answer.ok) idempotencyKey = uuid();
    if (answer.status === 422 && Array.isArray(answer.data.detail)) { showProblems(form, answer.data.detail); return; }
    if (!answer.ok) { form.querySelector(".form-error").textContent = explain(answer); return; }
    form.hidden = true;
    const created = answer.data;
    result.replaceChildren(el("div", { class: "card" },
      el("h3", { text: t("recorded") }),
      el("p", {}, t("record_no") + ": ", el("b", { id: "record-no", text: created.record_no })),
      el("h4", { text: t("complaints_raised") }),
      created.complaints.length ? el("ul", { id: "complaints" }, created.complaints.map((c) =>
        el("li", { class: "complaint", "data-subject": c.subject, "data-form": c.form, text: [code(c.form), code(c.subject), c.description].filter(Boolean).join(" · ") })))
        : el("p", { id: "complaints", text: t("none") }),
      el("a", { href: "#worklist", text: t("worklist") })));
  });

  // A failed attempt with its reason; the visit's attempts so far.
  const attempts = await api("survey", "/v1/visits/" + encodeURIComponent(v.visit_id) + "/attempts");
  const list = el("ul", { id: "attempts" }, (attempts.ok ? attempts.data.attempts || attempts.data.items || [] : []).map((a) =>
    el("li", { text: [a.attempt_no, a.attempted_on, a.visitor, code(a.reason), a.note].filter(Boolean).join(" · ") })));
  const failed = el("form", { id: "attempt-form", class: "card" },
    el("h3", { text: t("failed_attempt") + (v.status === "escalated" ? " · " + t("escalated") : "") }), list,
    el("p", { class: "form-error error" }),
    fieldBox("attempted_on", t("attempted_on"), el("input", { type: "date", name: "attempted_on", value: today })),
    fieldBox("visitor", t("visitor"), el("input", { type: "text", name: "visitor", value: visitor })),
    fieldBox("reason", t("reason"), el("select", { name: "reason" }, REASONS.map((r) => el("option", { value: r, text: code(r) })))),
    fieldBox("note", t("note"), el("input", { type: "text", name: "note", size: 50 })),
    el("button", { type: "submit", text: t("save_attempt") }), el("p", { class: "attempt-result" }));
  let attemptKey = uuid();
  failed.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { attempted_on: failed.elements.attempted_on.value, visitor: failed.elements.visitor.value.trim(),
      reason: failed.elements.reason.value, note: failed.elements.note.value };
    const answer = await api("survey", "/v1/visits/" + encodeURIComponent(v.visit_id) + "/attempts?wait=true",
      { method: "POST", body, headers: { "Idempotency-Key": attemptKey } });
    if (!answer.ok) attemptKey = uuid();
    if (answer.status === 422 && Array.isArray(answer.data.detail)) { showProblems(failed, answer.data.detail); return; }
    failed.querySelector(".attempt-result").textContent = answer.ok ? t("attempt_saved", { n: answer.data.attempt_no }) : explain(answer);
    if (answer.ok) {
      list.append(el("li", { text: [answer.data.attempt_no, body.attempted_on, body.visitor, code(body.reason), body.note].filter(Boolean).join(" · ") }));
      attemptKey = uuid();
    }
  });
  if (state.can.record) main.append(failed); else form.hidden = true;
}

// ---- 3. tickets board ---------------------------------------------------------
async function ticketsPage(main) {
  const department = sessionStorage.getItem("followup.department") || "production";
  const pick = el("select", { id: "department", onchange: () => { sessionStorage.setItem("followup.department", pick.value); show(); } },
    DEPARTMENTS.map((d) => el("option", { value: d, selected: d === department, text: code(d) })));
  main.append(el("h2", { text: t("tickets") }), el("label", {}, t("department") + " ", pick));
  const answer = await api("feedback", "/v1/tickets?department=" + department + (state.today ? "&as_of=" + state.today : ""));
  if (!answer.ok) { main.append(el("p", { class: "error", text: explain(answer) })); return; }
  const today = state.today || new Date().toISOString().slice(0, 10);
  const rows = answer.data.items.map((tk) => {
    const history = el("div", { class: "history" });
    const note = el("p", { class: "ticket-message" });
    const act = async (verb, body) => {
      body.version = tk.version;
      const r = await api("feedback", "/v1/tickets/" + encodeURIComponent(tk.ticket_id) + "/" + verb + "?wait=true",
        { method: "POST", body, headers: { "Idempotency-Key": uuid() } });
      if (r.ok) { message(t("done_ok") + ": " + tk.ticket_id + " " + t(verb)); await show(); return; }
      if (r.status === 409) { await show(); message(explain(r), true); return; }
      note.textContent = explain(r);
    };
    const open = !["resolved", "verified"].includes(tk.status);
    const forms = [];
    if (state.can.handle && open) {
      const who = el("input", { type: "text", name: "assignee", placeholder: t("assignee"), value: tk.assignee || "" });
      const on = el("input", { type: "date", name: "assigned_on", value: today });
      forms.push(el("form", { class: "inline-form assign-form", onsubmit: (e) => { e.preventDefault(); act("assign", { assignee: who.value, assigned_on: on.value }); } },
        who, on, el("button", { type: "submit", text: t("assign") })));
      const text = el("input", { type: "text", name: "resolution", placeholder: t("resolution"), size: 30 });
      const day = el("input", { type: "date", name: "resolved_on", value: today });
      forms.push(el("form", { class: "inline-form resolve-form", onsubmit: (e) => { e.preventDefault(); act("resolve", { resolution: text.value, resolved_on: day.value }); } },
        text, day, el("button", { type: "submit", text: t("resolve") })));
    }
    const breached = tk.overdue && tk.overdue.length;
    return el("tr", { class: breached ? "overdue" : "", "data-ticket": tk.ticket_id, "data-status": tk.status },
      el("td", {}, tk.ticket_id, el("br"), el("a", { href: "#customer/" + encodeURIComponent(tk.customer_id), text: tk.customer_id })),
      el("td", { text: [code(tk.form), code(tk.subject)].join(" · ") }),
      el("td", { text: [tk.description, tk.customer_suggestion].filter(Boolean).join(" / ") }),
      el("td", {}, el("span", { class: "badge status", text: code(tk.status) })),
      el("td", { text: tk.assignee || "" }),
      el("td", { text: tk.opened_on }),
      el("td", {}, el("span", { class: "badge sla " + (breached ? "bad" : "ok"), text: breached ? t("breached") + ": " + tk.overdue.map(code).join(", ") : t("on_time") }),
        el("br"), t("assign_by") + " " + tk.assign_by, el("br"), t("resolve_by") + " " + tk.resolve_by),
      el("td", {}, forms, tk.resolution ? el("p", { text: t("resolution") + ": " + tk.resolution + " (" + tk.resolved_on + ")" }) : null, note,
        el("button", { type: "button", class: "history-link", text: t("history"), onclick: async () => {
          const d = await api("feedback", "/v1/tickets/" + encodeURIComponent(tk.ticket_id));
          history.replaceChildren(el("ul", {}, (d.ok ? d.data.history || [] : []).map((h) => el("li", { text: [h.on, code(h.type), h.actor].join(" · ") }))));
        } }), history));
  });
  main.append(table(["ticket", "subject", "description", "status", "assignee", "opened_on", "sla", "actions"], rows, { id: "tickets-table" }));
}

// ---- 4. CAPA tracker ------------------------------------------------------------
async function capasPage(main) {
  main.append(el("h2", { text: t("capas") }));
  const answer = await api("feedback", "/v1/capas" + (state.today ? "?as_of=" + state.today : ""));
  if (!answer.ok) { main.append(el("p", { class: "error", text: explain(answer) })); return; }
  const today = state.today || new Date().toISOString().slice(0, 10);
  const rows = answer.data.items.map((c) => {
    const note = el("span", { class: "capa-message error" });
    let verify = null;
    if (state.can.capas && c.status !== "verified") {
      const evidence = el("input", { type: "text", name: "evidence", placeholder: t("evidence"), size: 30 });
      const on = el("input", { type: "date", name: "verified_on", value: today });
      verify = el("form", { class: "inline-form verify-form", onsubmit: async (e) => {
        e.preventDefault();
        const r = await api("feedback", "/v1/capas/" + encodeURIComponent(c.capa_id) + "/verify?wait=true",
          { method: "POST", body: { evidence: evidence.value, verified_on: on.value, version: c.version }, headers: { "Idempotency-Key": uuid() } });
        if (r.ok) { await show(); message(t("done_ok") + ": " + c.capa_id); } else { if (r.status === 409) await show(); note.textContent = explain(r); }
      } }, evidence, on, el("button", { type: "submit", text: t("verify") }));
    }
    return el("tr", { class: c.past_due ? "past-due" : "", "data-capa": c.capa_id },
      el("td", { text: c.capa_id }), el("td", { text: code(c.subject) }), el("td", { text: code(c.owner) }),
      el("td", { text: c.action }), el("td", { text: c.opened_on }),
      el("td", {}, c.due_date, c.past_due ? el("span", { class: "badge bad", text: " " + t("past_due") }) : null),
      el("td", { text: code(c.status) + (c.verified_on ? " " + c.verified_on : "") }),
      el("td", {}, verify, note));
  });
  main.append(table(["capa", "subject", "owner", "action", "opened_on", "due", "status", "actions"], rows, { id: "capas-table" }));
  if (!state.can.capas) return;
  const f = el("form", { id: "capa-form", class: "card" }, el("h3", { text: t("open_capa") }), el("p", { class: "form-error error" }),
    fieldBox("subject", t("subject"), el("select", { name: "subject" }, ["product_quality", "service_quality"].map((s) => el("option", { value: s, text: code(s) })))),
    fieldBox("action", t("action"), el("input", { type: "text", name: "action", size: 60 })),
    fieldBox("due", t("due"), el("input", { type: "date", name: "due" })),
    fieldBox("source.ticket_ids", t("source_tickets"), el("input", { type: "text", name: "tickets", size: 40 })),
    fieldBox("source.period", t("source_period"), el("input", { type: "text", name: "period", size: 10 })),
    el("button", { type: "submit", text: t("open_capa") }));
  let capaKey = uuid();
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const source = {};
    const tickets = f.elements.tickets.value.split(",").map((s) => s.trim()).filter(Boolean);
    if (tickets.length) source.ticket_ids = tickets;
    if (f.elements.period.value) source.period = f.elements.period.value;
    const r = await api("feedback", "/v1/capas?wait=true", { method: "POST", headers: { "Idempotency-Key": capaKey },
      body: { source, subject: f.elements.subject.value, action: f.elements.action.value, due: f.elements.due.value || null, opened_on: today } });
    if (!r.ok) capaKey = uuid();
    if (r.status === 422 && Array.isArray(r.data.detail)) { showProblems(f, r.data.detail); return; }
    if (r.ok) { await show(); message(t("done_ok")); } else f.querySelector(".form-error").textContent = explain(r);
  });
  main.append(f);
}

// ---- 5. customer page ------------------------------------------------------------
async function customerPage(main, customerId) {
  const input = el("input", { type: "text", id: "customer-id", value: customerId || "" });
  main.append(el("h2", { text: t("customer") }), el("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); location.hash = "#customer/" + encodeURIComponent(input.value.trim()); } },
    el("label", {}, t("customer_id") + " ", input), el("button", { type: "submit", text: t("show") })));
  if (!customerId) return;
  const q = "customer_id=" + encodeURIComponent(customerId);
  const [ledger, visits, records, tickets, capas, attempts, who] = await Promise.all([
    api("ledger", "/v1/ledger?" + q), api("scheduler", "/v1/visits?" + q + "&limit=500"), api("survey", "/v1/visit-records?" + q),
    api("feedback", "/v1/tickets?" + q), api("feedback", "/v1/capas?" + q), api("survey", "/v1/attempts?" + q), contactsOf(customerId)]);
  const items = (a, key) => (a.ok ? (Array.isArray(a.data) ? a.data : a.data[key || "items"] || []) : []);
  const events = [];
  const add = (date, what, text, link) => { if (date) events.push({ date, what, text, link }); };
  for (const r of items(ledger)) {
    for (const [field, what] of [["ship_date", "shipped"], ["installed_date", "installed"], ["power_on_date", "powered_on"]]) {
      add(r[field], t("ledger") + " · " + code(what), [r.unit_id, r.product_model, r.project_name].filter(Boolean).join(" · "));
    }
  }
  for (const v of items(visits)) {
    add(v.due_date, t("visit") + " · " + code(v.kind), code(v.status) + (v.attempts ? " · " + t("attempts") + " " + v.attempts : ""), v.record_no ? null : "#record/" + v.visit_id);
    if (v.done_on) add(v.done_on, t("visit") + " · " + code(v.kind), code("done") + " " + (v.record_no || ""));
  }
  for (const r of items(records)) add(r.visited_on, t("record_title"), [r.record_no, code(r.kind), r.visitor, code(r.product_quality), code(r.service_quality)].filter(Boolean).join(" · "));
  for (const a of items(attempts)) add(a.attempted_on, t("failed_attempt"), [a.visit_id, code(a.reason), a.note].filter(Boolean).join(" · "));
  for (const tk of items(tickets)) {
    add(tk.opened_on, t("ticket") + " · " + code(tk.form), [tk.ticket_id, code(tk.subject), code(tk.department), tk.description].filter(Boolean).join(" · "));
    add(tk.resolved_on, t("ticket") + " · " + code("resolved"), [tk.ticket_id, tk.resolution].join(" · "));
    add(tk.verified_on, t("ticket") + " · " + code("verified"), tk.ticket_id);
  }
  for (const c of items(capas)) {
    add(c.opened_on, t("capa"), [c.capa_id, c.action, t("due") + " " + c.due_date, c.past_due ? t("past_due") : ""].filter(Boolean).join(" · "));
    add(c.verified_on, t("capa") + " · " + code("verified"), [c.capa_id, c.evidence].filter(Boolean).join(" · "));
  }
  events.sort((a, b) => a.date.localeCompare(b.date));
  main.append(el("p", { text: [who.name, who.people.join("; ")].filter(Boolean).join(" · ") }),
    el("h3", { text: t("timeline") }),
    table(["date", "what", "description"], events.map((e) => el("tr", {}, el("td", { text: e.date }), el("td", { text: e.what }),
      el("td", {}, e.text, e.link && state.can.record ? el("a", { href: e.link, text: " " + t("record") }) : null))), { id: "timeline" }));
}

// ---- 6. Friday upload -------------------------------------------------------------
async function uploadPage(main) {
  const department = el("select", { id: "upload-department" }, UPLOADERS.map((d) => el("option", { value: d, text: code(d) })));
  const fact = el("select", { id: "upload-fact" }, FACTS.map((f) => el("option", { value: f, text: code(f) })));
  const file = el("input", { type: "file", id: "upload-file", accept: ".xlsx,.csv" });
  const report = el("div", { id: "upload-report" });
  const isCsv = () => file.files[0] && file.files[0].name.toLowerCase().endsWith(".csv");
  const progress = el("progress", { id: "upload-progress", max: "1", hidden: true });
  const phase = el("span", { id: "upload-phase" });
  const buttons = [];
  window.consoleApp.uploadPhases = [];
  const busy = (name, fraction) => {
    // Sending: the share of the file sent; then the ledger checks or imports
    // (no share known: an indeterminate bar).
    if (window.consoleApp.uploadPhases.at(-1) !== name) window.consoleApp.uploadPhases.push(name);
    progress.hidden = !name || name === "done";
    if (fraction === undefined) progress.removeAttribute("value"); else progress.value = fraction;
    phase.textContent = name && name !== "done" ? t(name) : "";
    for (const b of buttons) b.disabled = !!name && name !== "done";
  };
  // XMLHttpRequest rather than fetch: only it reports the upload's progress.
  const post = (path, body, type, dryRun) => new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/ledger" + path);
    xhr.setRequestHeader("Authorization", "Bearer " + key());
    xhr.setRequestHeader("Content-Type", type);
    xhr.upload.onprogress = (e) => busy("sending", e.lengthComputable ? e.loaded / e.total : undefined);
    xhr.upload.onload = () => busy(dryRun ? "checking" : "importing");
    xhr.onload = () => {
      busy("done");
      let data = xhr.responseText;
      if ((xhr.getResponseHeader("content-type") || "").includes("json")) {
        try { data = JSON.parse(xhr.responseText); } catch (e) { /* left as text */ }
      }
      if (xhr.status === 401) signOut(t("bad_key"));
      resolve({ status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300, data });
    };
    xhr.onerror = () => { busy("done"); resolve({ status: 0, ok: false, data: { detail: t("no_answer") } }); };
    busy("sending", 0);
    xhr.send(body);
  });
  const send = async (dryRun, format) => {
    if (!file.files[0]) { report.replaceChildren(el("p", { class: "error", text: t("choose_file") })); return null; }
    const type = isCsv() ? "text/csv" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let path = "/v1/imports?dry_run=" + dryRun + (isCsv() ? "&fact=" + fact.value : "");
    if (format) path += "&format=" + format;
    if (format) { await download("ledger", path, "checked-" + file.files[0].name.replace(/\.csv$/i, ".xlsx"), { method: "POST", body: file.files[0], headers: { "Content-Type": type } }); return null; }
    report.replaceChildren();
    return post(path, file.files[0], type, dryRun);
  };
  const render = (answer) => {
    if (!answer) return;
    if (answer.status === 422 && Array.isArray(answer.data.detail)) {
      report.replaceChildren(el("p", { class: "error", id: "upload-refused", text: t("refused") }),
        table(["sheet", "row", "column", "rule"], answer.data.detail.map((p) => el("tr", {}, [p.sheet, p.item, p.field, p.rule].map((x) => el("td", { text: x === undefined || x === null ? "" : String(x) })))), { id: "problems" }));
      return;
    }
    if (!answer.ok) { report.replaceChildren(el("p", { class: "error", text: explain(answer) })); return; }
    const d = answer.data;
    const counts = (o) => Object.entries(o || {}).map(([k, n]) => code(k) + " " + n).join(", ") || "0";
    report.replaceChildren(
      el("p", { id: "upload-summary", "data-dry-run": String(d.dry_run), text: [t(d.dry_run ? "checked" : "imported"), t("rows") + " " + d.rows + " (" + counts(d.facts) + ")", d.dry_run ? null : t("appended") + ": " + counts(d.appended), t("already") + ": " + (d.already || 0)].filter(Boolean).join(" · ") }),
      d.problems && d.problems.length
        ? table(["sheet", "row", "column", "rule"], d.problems.map((p) => el("tr", {}, [p.sheet, p.row, p.column, p.rule].map((x) => el("td", { text: x === undefined || x === null ? "" : String(x) })))), { id: "problems" })
        : el("p", { id: "problems", text: t("no_problems") }));
  };
  buttons.push(
    el("button", { type: "button", id: "upload-dry-run", text: t("dry_run"), onclick: async () => render(await send(true)) }),
    el("button", { type: "button", id: "upload-marked", text: t("marked"), onclick: () => send(true, "xlsx") }),
    el("button", { type: "button", id: "upload-import", text: t("import"), onclick: async () => render(await send(false)) }));
  main.append(el("h2", { text: t("upload") }),
    el("div", { class: "card" },
      el("label", {}, t("department") + " ", department), " ",
      el("button", { type: "button", id: "template-xlsx", text: t("template_xlsx"), onclick: () => download("ledger", "/v1/imports/template.xlsx?department=" + department.value, "template-" + department.value + ".xlsx") }),
      el("br"),
      el("label", {}, t("fact") + " ", fact), " ",
      el("button", { type: "button", id: "template-csv", text: t("template_csv"), onclick: () => download("ledger", "/v1/imports/template.csv?fact=" + fact.value, "template-" + fact.value + ".csv") })),
    el("div", { class: "card" },
      el("label", {}, t("file") + " ", file), " ",
      ...buttons, " ", progress, " ", phase),
    report);
}

// ---- start ----------------------------------------------------------------------
document.getElementById("lang").addEventListener("click", () => {
  const params = new URLSearchParams(location.search);
  if (lang() === "en") params.delete("lang"); else params.set("lang", "en");
  history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : "") + location.hash);
  show();
});
document.getElementById("signout").addEventListener("click", () => { location.hash = ""; signOut(""); });
document.getElementById("signin-form").addEventListener("submit", (e) => { e.preventDefault(); signIn(document.getElementById("key").value); });
window.addEventListener("hashchange", () => { message(""); show(); });
(async () => {
  if (key() && !(await probe())) sessionStorage.removeItem("followup.key");
  show();
})();
