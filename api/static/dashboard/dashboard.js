// Analytics dashboard: numbers, charts (Chart.js), knowledge gaps, conversations with a redacted transcript, CSV.
// The admin token is typed in, kept in sessionStorage and sent as a bearer token; nothing else is stored.
// Everything that comes from a conversation is put on the page with textContent, never as HTML.
(() => {
  "use strict";
  const TOKEN_KEY = "northwind-admin-token";
  const PAGE_SIZE = 25;
  const CHANNEL_COLORS = { socketio: "#1f6feb", rest: "#6e7781", telegram: "#229ed9", slack: "#7b3fe4" };
  const OTHER_COLORS = ["#e36209", "#2da44e", "#bf3989", "#8250df", "#57606a"];
  const REASONS = { requested: "asked for a person", no_answer: "no answer in the documents", failed_attempts: "two failures in a row" };
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY);
  let offset = 0;
  let total = 0;
  let loads = 0;
  let catchUp = null;
  const charts = {};

  // -- plumbing ---------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(message, status) { super(message); this.status = status; }
  }

  async function request(path, params) {
    const url = new URL(path, window.location.origin);
    Object.entries(params || {}).forEach(([key, value]) => { if (value !== "" && value != null) url.searchParams.set(key, value); });
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status === 401) {
      signOut("Your token was not accepted. Please sign in again.");
      throw new ApiError("Please sign in again.", 401);
    }
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new ApiError(typeof data.detail === "string" ? data.detail : detailText(data.detail, response.status), response.status);
    }
    return response;
  }

  function detailText(detail, status) {
    if (Array.isArray(detail) && detail.length) return detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ");
    return `Error ${status}`;
  }

  const getJson = async (path, params) => (await request(path, params)).json();

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  const percent = (rate) => (rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)} %`);
  const number = (value) => (value === null || value === undefined ? "–" : Number(value).toLocaleString("en"));
  const ms = (value) => (value === null || value === undefined ? "–" : value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value} ms`);
  const isoDay = (date) => date.toISOString().slice(0, 10);
  const colorOf = (channel, index) => CHANNEL_COLORS[channel] || OTHER_COLORS[index % OTHER_COLORS.length];

  // -- sign-in ----------------------------------------------------------------------------------

  function signOut(message) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("board").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = message || "";
    $("freshness").textContent = "";
    $("token").focus();
  }

  async function signIn(candidate) {
    token = candidate;
    try {
      await request("/api/analytics/overview", { start: isoDay(new Date()), end: isoDay(new Date()) });
    } catch (error) {
      if (error.status !== 401) signOut(error.message);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, token);
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
    load();
  }

  // -- filters ------------------------------------------------------------------------------------

  function setRange(days) {
    const end = new Date();
    const start = new Date(end.getTime() - (days - 1) * 86400000);
    $("start").value = isoDay(start);
    $("end").value = isoDay(end);
  }

  function filters() {
    return { start: $("start").value, end: $("end").value, channel: $("channel").value };
  }

  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    setRange(30);
    if (params.get("start")) $("start").value = params.get("start");
    if (params.get("end")) $("end").value = params.get("end");
    if (params.get("channel")) {
      const option = element("option", params.get("channel"));
      option.value = params.get("channel");
      $("channel").append(option);
      $("channel").value = params.get("channel");
    }
  }

  function writeUrl() {
    const params = new URLSearchParams();
    Object.entries(filters()).forEach(([key, value]) => { if (value) params.set(key, value); });
    history.replaceState(null, "", `${window.location.pathname}?${params}`);
  }

  function fillChannels(available) {
    const select = $("channel");
    const chosen = select.value;
    select.replaceChildren(Object.assign(element("option", "All channels"), { value: "" }));
    for (const channel of available) select.append(Object.assign(element("option", channel), { value: channel }));
    select.value = available.includes(chosen) ? chosen : "";
  }

  // -- loading ------------------------------------------------------------------------------------

  async function load() {
    $("filter-error").textContent = "";
    document.body.dataset.state = "loading";
    writeUrl();
    offset = 0;
    try {
      const [overview, gaps] = await Promise.all([
        getJson("/api/analytics/overview", filters()),
        getJson("/api/analytics/gaps", filters()),
        loadConversations(),
      ]);
      fillChannels(overview.channels_available || []);
      renderFreshness(overview.freshness);
      renderKpis(overview.totals);
      renderCharts(overview);
      renderGaps(gaps);
      loads += 1;
      document.body.dataset.loads = String(loads);
      document.body.dataset.state = "ready";
    } catch (error) {
      document.body.dataset.state = "error";
      if (error.status !== 401) $("filter-error").textContent = error.message;
    }
  }

  function renderFreshness(freshness) {
    if (!freshness) return;
    const until = freshness.events_until ? freshness.events_until.slice(0, 16).replace("T", " ") : "no conversations yet";
    const pending = freshness.pending_events ? ` · catching up (${number(freshness.pending_events)} events to go)` : "";
    $("freshness").textContent = `Data up to ${until} UTC${pending}`;
    clearTimeout(catchUp);
    if (freshness.pending_events) catchUp = setTimeout(load, 3000);
  }

  function kpi(label, value, note) {
    const box = element("div", null, "kpi");
    box.append(element("dt", label));
    const dd = element("dd", value);
    if (note) dd.append(element("small", note));
    box.append(dd);
    return box;
  }

  function renderKpis(t) {
    const rated = t.ratings ? `${number(t.ratings)} rated` : "no ratings";
    $("kpis").replaceChildren(
      Object.assign(kpi("Conversations", number(t.conversations)), { id: "kpi-conversations" }),
      Object.assign(kpi("Contained (no person)", percent(t.containment_rate), `${number(t.contained)} conversations`), { id: "kpi-containment" }),
      Object.assign(kpi("Handed to a person", percent(t.handoff_rate), `${number(t.handed_off)} conversations`), { id: "kpi-handoff" }),
      Object.assign(kpi("Not understood", percent(t.fallback_rate), `${number(t.fallbacks)} of ${number(t.user_turns)} messages`), { id: "kpi-fallback" }),
      Object.assign(kpi("Documents had no answer", percent(t.abstention_rate), `${number(t.abstentions)} of ${number(t.knowledge_questions)} questions`), { id: "kpi-abstention" }),
      kpi("Turns per conversation", t.turns_per_conversation ?? "–"),
      Object.assign(kpi("Reply time p50 / p95", `${ms(t.reply_p50_ms)} / ${ms(t.reply_p95_ms)}`, `${number(t.replies)} replies`), { id: "kpi-latency" }),
      kpi("Thumbs up", percent(t.thumbs_up_rate), `${number(t.thumbs_up)} up · ${number(t.thumbs_down)} down`),
      kpi("Average rating", t.average_rating ?? "–", rated),
    );
  }

  // -- charts -------------------------------------------------------------------------------------

  function chart(id, config) {
    if (!window.Chart) return;
    const base = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } };
    config.options = Object.assign(base, config.options || {});
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].options = config.options;
      charts[id].update();
    } else {
      charts[id] = new window.Chart($(id), config);
    }
  }

  function renderCharts(o) {
    const days = o.daily.map((d) => d.day.slice(5));
    const channels = [...new Set(o.daily.flatMap((d) => Object.keys(d.by_channel)))].sort();
    chart("chart-volume", {
      type: "bar",
      data: {
        labels: days,
        datasets: channels.map((channel, i) => ({
          label: channel, data: o.daily.map((d) => d.by_channel[channel] || 0), backgroundColor: colorOf(channel, i), stack: "c",
        })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "conversations" } } } },
    });
    const asPercent = (rate) => (rate === null ? null : Math.round(rate * 1000) / 10);
    chart("chart-rates", {
      type: "line",
      data: {
        labels: days,
        datasets: [
          { label: "contained", data: o.daily.map((d) => asPercent(d.containment_rate)), borderColor: "#2da44e", backgroundColor: "#2da44e" },
          { label: "not understood (of messages)", data: o.daily.map((d) => asPercent(d.fallback_rate)), borderColor: "#e36209", backgroundColor: "#e36209" },
          { label: "no answer in the documents (of questions)", data: o.daily.map((d) => asPercent(d.abstention_rate)), borderColor: "#cf222e", backgroundColor: "#cf222e" },
        ],
      },
      options: { spanGaps: true, scales: { y: { beginAtZero: true, max: 100, title: { display: true, text: "%" } } } },
    });
    chart("chart-reasons", {
      type: "doughnut",
      data: {
        labels: o.handoff_reasons.map((r) => REASONS[r.label] || r.label),
        datasets: [{ data: o.handoff_reasons.map((r) => r.count), backgroundColor: ["#1f6feb", "#cf222e", "#e36209", "#8250df", "#57606a"] }],
      },
    });
    chart("chart-intents", {
      type: "bar",
      data: { labels: o.intents.map((i) => i.label), datasets: [{ label: "messages", data: o.intents.map((i) => i.count), backgroundColor: "#1f6feb" }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
    });
    chart("chart-latency", {
      type: "bar",
      data: {
        labels: o.latency_histogram.map((b) => b.label),
        datasets: [{ label: "replies", data: o.latency_histogram.map((b) => b.count), backgroundColor: "#8250df" }],
      },
      options: { plugins: { legend: { display: false } } },
    });
    chart("chart-turns", {
      type: "bar",
      data: { labels: o.turns.map((t) => t.turns), datasets: [{ label: "conversations", data: o.turns.map((t) => t.count), backgroundColor: "#57606a" }] },
      options: { plugins: { legend: { display: false } }, scales: { x: { title: { display: true, text: "user messages" } } } },
    });
    chart("chart-ratings", {
      type: "bar",
      data: {
        labels: o.ratings.map((r) => `${r.rating} ★`),
        datasets: [{ label: "conversations", data: o.ratings.map((r) => r.count), backgroundColor: ["#cf222e", "#e36209", "#bf8700", "#2da44e", "#1a7f37"] }],
      },
      options: { plugins: { legend: { display: false } } },
    });
    chart("chart-channels", {
      type: "bar",
      data: {
        labels: o.channels.map((c) => c.channel),
        datasets: [
          { label: "contained %", data: o.channels.map((c) => (c.containment_rate === null ? 0 : Math.round(c.containment_rate * 1000) / 10)), backgroundColor: o.channels.map((c, i) => colorOf(c.channel, i)) },
        ],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, max: 100 } } },
    });
  }

  // -- knowledge gaps --------------------------------------------------------------------------------

  function conversationButton(id) {
    const button = element("button", `#${id}`, "linklike");
    button.type = "button";
    button.dataset.conversation = id;
    button.addEventListener("click", () => openConversation(id));
    return button;
  }

  function renderGaps(gaps) {
    const body = $("gaps").tBodies[0];
    $("gaps-summary").textContent = gaps.unanswered ? `(${number(gaps.unanswered)} unanswered, ${number(gaps.distinct)} different questions)` : "";
    $("gaps-empty").hidden = gaps.groups.length > 0;
    body.replaceChildren(...gaps.groups.map((group) => {
      const row = element("tr");
      row.append(element("td", group.label));
      row.append(element("td", number(group.count), "num"));
      row.append(element("td", percent(group.share), "num"));
      const examples = element("ul");
      group.examples.forEach((example) => examples.append(element("li", `${example.text} ×${example.count}`)));
      const exampleCell = element("td");
      exampleCell.append(examples);
      row.append(exampleCell);
      const links = element("td");
      group.conversation_ids.slice(0, 5).forEach((id, i) => { if (i) links.append(" "); links.append(conversationButton(id)); });
      row.append(links);
      return row;
    }));
  }

  // -- conversations ---------------------------------------------------------------------------------

  function outcome(c) {
    const cell = element("td");
    if (c.handed_off) cell.append(element("span", `person: ${REASONS[c.handoff_reason] || c.handoff_reason}`, "tag handoff"));
    if (c.abstentions) cell.append(element("span", `${c.abstentions}× no answer`, "tag gap"));
    if (c.fallbacks) cell.append(element("span", `${c.fallbacks}× not understood`, "tag"));
    if (!cell.childNodes.length) cell.append(element("span", "contained", "tag ok"));
    return cell;
  }

  function feedbackText(c) {
    const parts = [];
    if (c.thumbs_up) parts.push(`👍 ${c.thumbs_up}`);
    if (c.thumbs_down) parts.push(`👎 ${c.thumbs_down}`);
    if (c.rating) parts.push(`${c.rating} ★`);
    return parts.join(" · ");
  }

  async function loadConversations() {
    const data = await getJson("/api/analytics/conversations", {
      ...filters(), filter: $("conv-filter").value, sort: $("conv-sort").value, limit: PAGE_SIZE, offset,
    });
    total = data.total;
    $("conv-total").textContent = `(${number(total)})`;
    $("page").textContent = total ? `${offset + 1}–${Math.min(offset + PAGE_SIZE, total)} of ${number(total)}` : "none";
    $("prev").disabled = offset === 0;
    $("next").disabled = offset + PAGE_SIZE >= total;
    $("conversations").tBodies[0].replaceChildren(...data.conversations.map((c) => {
      const row = element("tr");
      row.dataset.conversation = c.id;
      row.dataset.channel = c.channel;
      const first = element("td");
      const open = element("button", c.started_at.replace("T", " ").slice(0, 16), "linklike");
      open.type = "button";
      open.addEventListener("click", () => openConversation(c.id));
      first.append(open);
      row.append(first, element("td", c.channel), element("td", c.user_turns, "num"), element("td", c.first_intent || "–"));
      row.append(outcome(c), element("td", feedbackText(c)), element("td", ms(c.slowest_reply_ms), "num"));
      return row;
    }));
    return data;
  }

  async function reloadConversations() {
    try {
      await loadConversations();
    } catch (error) {
      if (error.status !== 401) $("filter-error").textContent = error.message;
    }
  }

  async function openConversation(id) {
    let data;
    try {
      data = await getJson(`/api/analytics/conversations/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.status !== 401) $("filter-error").textContent = error.message;
      return;
    }
    $("detail-title").textContent = `Conversation #${data.id}`;
    const meta = [
      ["Started", `${data.started_at.slice(0, 19).replace("T", " ")} UTC`], ["Channel", data.channel], ["Turns", data.user_turns],
      ["Outcome", data.handed_off ? `handed to a person (${REASONS[data.handoff_reason] || data.handoff_reason}, ticket ${data.handoff_ticket || "–"})` : "contained"],
      ["Feedback", feedbackText(data) || "none"], ["Slowest reply", ms(data.slowest_reply_ms)],
    ];
    $("detail-meta").replaceChildren(...meta.flatMap(([term, value]) => [element("dt", term), element("dd", value)]));
    $("transcript").replaceChildren(...data.transcript.map((line) => {
      const item = element("li", null, line.speaker);
      const who = { user: "User", bot: "Bot", agent: `${line.agent || "Agent"} (person)`, event: "" }[line.speaker];
      const details = [who, line.at ? line.at.slice(11, 19) : null, line.intent ? `intent ${line.intent}` : null,
        line.latency_ms !== undefined ? `replied in ${ms(line.latency_ms)}` : null, line.note || null].filter(Boolean);
      if (details.length) item.append(element("span", details.join(" · "), "meta"));
      item.append(document.createTextNode(line.text));
      if (line.sources) item.append(element("span", `Sources: ${line.sources.join(", ")}`, "meta"));
      return item;
    }));
    $("detail").hidden = false;
    $("detail").scrollIntoView({ block: "start" });
    $("detail-close").focus();
  }

  // -- export ------------------------------------------------------------------------------------------

  async function download(path, params) {
    try {
      const response = await request(path, params);
      const blob = await response.blob();
      const disposition = response.headers.get("Content-Disposition") || "";
      const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "export.csv";
      const link = element("a");
      link.href = URL.createObjectURL(blob);
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      if (error.status !== 401) $("filter-error").textContent = error.message;
    }
  }

  // -- wiring -------------------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    readUrl();
    $("sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      signIn($("token").value.trim());
      $("token").value = "";
    });
    $("sign-out").addEventListener("click", () => signOut());
    $("filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
    document.querySelectorAll("[data-days]").forEach((button) => button.addEventListener("click", () => {
      setRange(Number(button.dataset.days));
      load();
    }));
    $("conv-filter").addEventListener("change", () => { offset = 0; reloadConversations(); });
    $("conv-sort").addEventListener("change", () => { offset = 0; reloadConversations(); });
    $("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); reloadConversations(); });
    $("next").addEventListener("click", () => { if (offset + PAGE_SIZE < total) { offset += PAGE_SIZE; reloadConversations(); } });
    $("detail-close").addEventListener("click", () => { $("detail").hidden = true; });
    $("export-conversations").addEventListener("click", () => download("/api/analytics/export/conversations.csv", { ...filters(), filter: $("conv-filter").value }));
    $("export-daily").addEventListener("click", () => download("/api/analytics/export/daily.csv", filters()));
    if (token) {
      $("sign-in").hidden = true;
      $("board").hidden = false;
      $("sign-out").hidden = false;
      load();
    } else {
      $("token").focus();
    }
  });
})();
