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
    if (response.status === 401) {
      signOut();
      throw Object.assign(new Error("Please sign in again."), { status: 401 });
    }
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

  // The queue is updated in place, one <li> per ticket number: a poll must not take the
  // keyboard focus away from the ticket the agent is on, nor re-announce the whole list.
  function queueItem(number) {
    const item = element("li");
    const button = element("button");
    button.type = "button";
    button.dataset.number = number;
    button.addEventListener("click", () => open(number));
    item.dataset.number = number;
    item.append(button);
    return item;
  }

  function fillQueueButton(button, ticket) {
    const title = element("span", `${ticket.number} · ${who(ticket.identity)} `);
    title.append(element("span", ticket.status, `status ${ticket.status}`));
    const wait = ticket.agent
      ? `waited ${waited(ticket.waiting_seconds)} · with ${ticket.agent}`
      : `waiting ${waited(ticket.waiting_seconds)}`;
    const parts = [title, element("span", `${ticket.channel} · ${ticket.reason} · ${wait}`, "meta")];
    if (ticket.last_user_message) parts.push(element("span", `“${ticket.last_user_message}”`, "meta"));
    button.replaceChildren(...parts);
  }

  function renderQueue(tickets) {
    const list = $("tickets");
    $("queue-count").textContent = `(${tickets.length})`;
    $("queue-empty").hidden = tickets.length > 0;
    const existing = new Map([...list.children].map((item) => [item.dataset.number, item]));
    let previous = null;
    for (const ticket of tickets) {
      const item = existing.get(ticket.number) || queueItem(ticket.number);
      existing.delete(ticket.number);
      fillQueueButton(item.firstElementChild, ticket);
      const expected = previous ? previous.nextElementSibling : list.firstElementChild;
      if (item !== expected) list.insertBefore(item, expected);
      previous = item;
    }
    for (const gone of existing.values()) gone.remove();
  }

  // Only lines that are new are appended (the list is a live region: a poll re-announces nothing);
  // another ticket, or a transcript that changed otherwise, is drawn again from the start.
  function renderTranscript(ticket) {
    const transcript = $("transcript");
    const atBottom = transcript.scrollTop + transcript.clientHeight >= transcript.scrollHeight - 20;
    const keys = ticket.transcript.map((line) => JSON.stringify([line.speaker, line.agent, line.text, line.at]));
    const shown = transcript.dataset.number === ticket.number ? [...transcript.children] : [];
    const same = shown.length <= keys.length && shown.every((item, index) => item.dataset.key === keys[index]);
    if (!same || shown.length === 0) transcript.replaceChildren();
    transcript.dataset.number = ticket.number;
    ticket.transcript.forEach((line, index) => {
      if (same && index < shown.length) return;
      const item = element("li", null, line.speaker);
      item.dataset.key = keys[index];
      const label = line.speaker === "agent" ? `${line.agent} (agent)` : line.speaker === "bot" ? "Assistant" : "Customer";
      item.append(element("span", label, "who"), element("span", line.text));
      transcript.append(item);
    });
    if (atBottom || !same) transcript.scrollTop = transcript.scrollHeight;
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
    renderTranscript(ticket);
    const mine = ticket.status === "taken" && ticket.agent === agentName;
    $("take").hidden = !(ticket.status === "waiting" || ticket.status === "message");
    $("reply-form").hidden = !mine;
  }

  // Only the latest request of each kind is drawn: an older poll that answers late must not
  // put back a state the agent has already moved on from (another ticket, or before a take).
  const latest = { queue: 0, ticket: 0 };

  async function loadQueue() {
    const seq = ++latest.queue;
    const queue = await api("GET", "/api/handoffs");
    if (seq === latest.queue && token) renderQueue(queue.tickets);
  }

  async function loadTicket(number) {
    const seq = ++latest.ticket;
    const ticket = await api("GET", `/api/handoffs/${encodeURIComponent(number)}`);
    if (seq === latest.ticket && token) renderTicket(ticket);
  }

  async function refresh() {
    try {
      await loadQueue();
      if (current) await loadTicket(current.number);
    } catch (error) {
      $("ticket-error").textContent = error.message;
    }
  }

  async function open(number) {
    $("ticket-error").textContent = "";
    try {
      await loadTicket(number);
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
    latest.queue += 1;
    latest.ticket += 1;
    $("tickets").replaceChildren();
    $("ticket").hidden = true;
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
        // A refused token, or a server that did not answer (not the agent's mistake: say so).
        $("sign-in-error").textContent = error.status === 401 ? "That token is not valid." : `Could not sign in: ${error.message}`;
        token = null;
      }
    });
    $("sign-out").addEventListener("click", signOut);
    // The button pressed disappears once it has done its work: focus goes where the work goes on.
    $("take").addEventListener("click", async () => {
      if (await act("POST", "/take") && !$("reply-form").hidden) $("reply").focus();
      else $("ticket-title").focus(); // someone else was faster: the alert says so
    });
    $("close").addEventListener("click", async () => {
      if (await act("POST", "/close")) $("ticket-title").focus();
    });
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
