// Agent console: the queue of handoffs, one conversation at a time, replies and hand-back.
// Everything the customer or the bot wrote is put on the page with textContent, never as HTML.
(() => {
  "use strict";
  const POLL_MS = 2000;
  const TOKEN_KEY = "northwind-agent-token";
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY);
  let current = null; // the ticket on screen
  let agentName = null;
  let timer = null;

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) { signOut(); throw new Error("Please sign in again."); }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(typeof data.detail === "string" ? data.detail : `Error ${response.status}`);
    return data;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function waited(seconds) {
    if (seconds < 60) return `${seconds}s`;
    const minutes = Math.floor(seconds / 60);
    return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function who(identity) {
    if (!identity || identity.kind === "anonymous") return "Unidentified visitor";
    return `${identity.name || "(no name)"} — ${identity.kind} #${identity.id}`;
  }

  function renderQueue(tickets) {
    const list = $("tickets");
    list.replaceChildren();
    $("queue-count").textContent = `(${tickets.length})`;
    $("queue-empty").hidden = tickets.length > 0;
    for (const ticket of tickets) {
      const item = element("li");
      const button = element("button");
      button.type = "button";
      button.dataset.number = ticket.number;
      const title = element("span", `${ticket.number} · ${who(ticket.identity)} `);
      title.append(element("span", ticket.status, `status ${ticket.status}`));
      button.append(title);
      const mine = ticket.agent ? ` · with ${ticket.agent}` : "";
      button.append(element("span", `${ticket.channel} · ${ticket.reason} · waiting ${waited(ticket.waiting_seconds)}${mine}`, "meta"));
      if (ticket.last_user_message) button.append(element("span", `“${ticket.last_user_message}”`, "meta"));
      button.addEventListener("click", () => open(ticket.number));
      item.append(button);
      list.append(item);
    }
  }

  function renderTicket(ticket) {
    current = ticket;
    $("ticket").hidden = false;
    $("ticket-title").textContent = `${ticket.number} · ${ticket.status}`;
    const context = $("context");
    context.replaceChildren();
    const facts = [["Who", who(ticket.identity)], ["Channel", ticket.channel], ["Reason", ticket.reason]];
    if (ticket.agent) facts.push(["Agent", ticket.agent]);
    if (ticket.message) facts.push(["Message left", ticket.message]);
    for (const [name, value] of Object.entries(ticket.summary || {})) facts.push([name, JSON.stringify(value)]);
    for (const [name, value] of facts) context.append(element("dt", name), element("dd", value));
    const transcript = $("transcript");
    const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 20;
    transcript.replaceChildren();
    for (const line of ticket.transcript) {
      const item = element("li", null, line.speaker);
      const label = line.speaker === "agent" ? `${line.agent} (agent)` : line.speaker === "bot" ? "Assistant" : "Customer";
      item.append(element("span", label, "who"), element("span", line.text));
      transcript.append(item);
    }
    if (atBottom) transcript.scrollTop = transcript.scrollHeight;
    const mine = ticket.status === "taken" && ticket.agent === agentName;
    $("take").hidden = !(ticket.status === "waiting" || ticket.status === "message");
    $("reply-form").hidden = !mine;
  }

  async function refresh() {
    try {
      const queue = await api("GET", "/api/handoffs");
      renderQueue(queue.tickets);
      if (current) renderTicket(await api("GET", `/api/handoffs/${encodeURIComponent(current.number)}`));
    } catch (error) {
      $("ticket-error").textContent = error.message;
    }
  }

  async function open(number) {
    $("ticket-error").textContent = "";
    try {
      renderTicket(await api("GET", `/api/handoffs/${encodeURIComponent(number)}`));
      $("ticket-title").focus();
    } catch (error) {
      $("ticket-error").textContent = error.message;
    }
  }

  async function act(method, suffix, body) {
    $("ticket-error").textContent = "";
    try {
      await api(method, `/api/handoffs/${encodeURIComponent(current.number)}${suffix}`, body);
      await refresh();
      return true;
    } catch (error) {
      $("ticket-error").textContent = error.message;
      await refresh();
      return false;
    }
  }

  function startWorking(name) {
    agentName = name;
    $("agent-name").textContent = `Signed in as ${name}`;
    $("sign-in").hidden = true;
    $("workspace").hidden = false;
    $("sign-out").hidden = false;
    refresh();
    timer = setInterval(refresh, POLL_MS);
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    token = null;
    current = null;
    clearInterval(timer);
    $("workspace").hidden = true;
    $("sign-in").hidden = false;
    $("sign-out").hidden = true;
    $("agent-name").textContent = "";
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("ticket-title").tabIndex = -1;
    $("sign-in-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      token = $("token").value.trim();
      try {
        const me = await api("GET", "/api/handoffs/me");
        sessionStorage.setItem(TOKEN_KEY, token);
        $("sign-in-error").textContent = "";
        startWorking(me.name);
      } catch (error) {
        $("sign-in-error").textContent = "That token is not valid.";
        token = null;
      }
    });
    $("sign-out").addEventListener("click", signOut);
    $("take").addEventListener("click", () => act("POST", "/take"));
    $("close").addEventListener("click", () => act("POST", "/close"));
    $("reply-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = $("reply").value.trim();
      if (!text) return;
      if (await act("POST", "/messages", { text })) $("reply").value = "";
    });
    $("reply").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("reply-form").requestSubmit(); }
    });
    if (token) {
      api("GET", "/api/handoffs/me").then((me) => startWorking(me.name)).catch(signOut);
    }
  });
})();
