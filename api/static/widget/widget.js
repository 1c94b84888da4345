/*
 * Northwind chat widget: one <script> tag, a config object, no framework, no build step.
 *
 *   <script type="application/json" id="northwind-chat-config">{"socketUrl": "https://chat.example.com"}</script>
 *   <script src="https://assistant.example.com/widget/widget.js" defer></script>
 *
 * or, from the host page's own script: NorthwindChat.init({socketUrl: "...", authToken: "..."}).
 * It loads its stylesheet and the socket.io client from where widget.js came from (never
 * from a CDN), talks to the Rasa server's socket.io channel (engine/channels/socketio.py),
 * keeps the session id in localStorage (the conversation survives a reload and a new tab)
 * and renders every message with textContent: nothing a user, the bot or an agent writes
 * is ever parsed as HTML.
 */
(function () {
  "use strict";

  var DEFAULTS = {
    socketUrl: "",            // the Rasa server, e.g. "http://127.0.0.1:5005" (required)
    socketPath: "/socket.io/",
    authToken: null,          // signed identity token from the host page (sent as metadata.auth_token)
    title: "Northwind Goods",
    subtitle: "Assistant · a person when you need one",
    greeting: "Hi! Ask me about an order, an invoice or our policies.",
    placeholder: "Type your message…",
    colors: {},               // {primary, onPrimary, agent, background}
    open: false,
    storageKey: "northwind-chat",
    feedback: true,           // thumbs on the bot's answers and a rating of the chat, posted to feedbackUrl
    feedbackUrl: null,        // default: the API that served widget.js, /api/feedback
  };
  var COLOR_VARS = { primary: "--nw-primary", onPrimary: "--nw-on-primary", agent: "--nw-agent", background: "--nw-bg" };
  var URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  var TYPING_TIMEOUT_MS = 20000;

  var scriptSrc = document.currentScript ? document.currentScript.src : "";
  var base = scriptSrc ? scriptSrc.slice(0, scriptSrc.lastIndexOf("/") + 1) : "/widget/";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* A speech bubble drawn as SVG (an emoji needs a font the visitor may not have). */
  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var path = document.createElementNS(ns, "path");
    [["viewBox", "0 0 24 24"], ["width", "28"], ["height", "28"], ["aria-hidden", "true"], ["focusable", "false"]]
      .forEach(function (pair) { svg.setAttribute(pair[0], pair[1]); });
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  /* A thumb drawn as SVG; `down` turns it over. */
  function thumbIcon(down) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var path = document.createElementNS(ns, "path");
    [["viewBox", "0 0 24 24"], ["width", "16"], ["height", "16"], ["aria-hidden", "true"], ["focusable", "false"]]
      .forEach(function (pair) { svg.setAttribute(pair[0], pair[1]); });
    if (down) svg.setAttribute("transform", "rotate(180)");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M2 10h4v11H2zM8 21h9.2a2 2 0 0 0 2-1.6l1.7-7.6A2 2 0 0 0 19 9.4h-5.6l.9-4.1A1.9 1.9 0 0 0 12.4 3L8 9.2z");
    svg.appendChild(path);
    return svg;
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; } // disabled storage: a session per page
  }

  /* Who the token says the visitor is (not verified here: only to start a new session when it changes). */
  function identityKey(token) {
    if (!token) return "anonymous";
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var claims = JSON.parse(atob(part));
      return String(claims.role) + ":" + String(claims.sub);
    } catch (e) {
      return "token";
    }
  }

  /* Text with http(s) links as <a> elements; everything else as text nodes. */
  function appendText(parent, text) {
    var last = 0;
    String(text).replace(URL_RE, function (url, index) {
      parent.appendChild(document.createTextNode(text.slice(last, index)));
      var href = null;
      try {
        var parsed = new URL(url);
        if (parsed.protocol === "http:" || parsed.protocol === "https:") href = parsed.href;
      } catch (e) { href = null; }
      if (href) {
        parent.appendChild(el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, url));
      } else {
        parent.appendChild(document.createTextNode(url));
      }
      last = index + url.length;
      return url;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function loadScript(src, done) {
    if (window.io) { done(); return; }
    var script = el("script", { src: src, async: "" });
    script.onload = function () { done(); };
    script.onerror = function () { done(new Error("socket.io client could not be loaded")); };
    document.head.appendChild(script);
  }

  function Widget(config) {
    this.config = config;
    this.socket = null;
    this.sessionId = null;
    this.unread = 0;
    this.pending = [];
    this.typingTimer = null;
    this.byId = {};           // message id -> its element, to join a document answer's sources to its text
    this.lastBot = null;
    this.store = storage();
    this.keyPrefix = config.storageKey + ":";
    this.identity = identityKey(config.authToken);
    if (this.read("identity") !== this.identity) {
      this.forget("session");   // another person signed in on this browser: not their conversation
      this.write("identity", this.identity);
    }
    this.build();
    if (config.open) this.open();
    else if (this.read("session")) this.connect(); // a conversation in progress: its history and live messages
  }

  Widget.prototype.read = function (key) { return this.store ? this.store.getItem(this.keyPrefix + key) : null; };
  Widget.prototype.write = function (key, value) { if (this.store) this.store.setItem(this.keyPrefix + key, value); };
  Widget.prototype.forget = function (key) { if (this.store) this.store.removeItem(this.keyPrefix + key); };

  Widget.prototype.build = function () {
    var self = this, c = this.config;
    var root = el("div", { id: "nw-chat", class: "nw-root" });
    Object.keys(COLOR_VARS).forEach(function (name) {
      if (typeof c.colors[name] === "string") root.style.setProperty(COLOR_VARS[name], c.colors[name]);
    });

    var launcher = el("button", { type: "button", class: "nw-launcher", "aria-expanded": "false",
      "aria-controls": "nw-panel", "aria-label": "Open chat" });
    launcher.appendChild(chatIcon());
    var badge = el("span", { class: "nw-badge", "aria-hidden": "true", hidden: "" });
    launcher.appendChild(badge);

    var panel = el("div", { id: "nw-panel", class: "nw-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "nw-title", hidden: "" });
    var header = el("div", { class: "nw-header" });
    var heading = el("div", { class: "nw-heading" });
    heading.appendChild(el("h2", { id: "nw-title", class: "nw-title" }, c.title));
    heading.appendChild(el("p", { class: "nw-subtitle" }, c.subtitle));
    var close = el("button", { type: "button", class: "nw-close", "aria-label": "Close chat" }, "×");
    header.appendChild(heading);
    header.appendChild(close);

    var log = el("div", { class: "nw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": "Conversation", tabindex: "0" });
    var typing = el("div", { class: "nw-typing", role: "status", hidden: "" });
    typing.appendChild(el("span", { class: "nw-sr" }, "The assistant is typing"));
    for (var i = 0; i < 3; i++) typing.appendChild(el("span", { class: "nw-dot", "aria-hidden": "true" }));
    var status = el("p", { class: "nw-status", role: "status" });
    var rating = el("div", { class: "nw-rating", role: "group", "aria-label": "Rate this chat", hidden: "" });
    rating.appendChild(el("span", { class: "nw-rating-label" }, "How was this chat?"));
    for (var star = 1; star <= 5; star++) {
      var starButton = el("button", { type: "button", class: "nw-star", "data-rating": String(star),
        "aria-label": "Rate " + star + " out of 5", "aria-pressed": "false" }, "★");
      starButton.addEventListener("click", this.rate.bind(this, star));
      rating.appendChild(starButton);
    }

    var form = el("form", { class: "nw-form" });
    var label = el("label", { for: "nw-input", class: "nw-sr" }, "Message");
    var input = el("input", { id: "nw-input", class: "nw-input", type: "text", autocomplete: "off",
      maxlength: "2000", placeholder: c.placeholder });
    var send = el("button", { type: "submit", class: "nw-send" }, "Send");
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(send);

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(status);
    panel.appendChild(rating);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    if (window.performance && performance.mark) performance.mark("northwind-chat:ready"); // for scripts/bench_widget.py
    this.root = root; this.launcher = launcher; this.badge = badge; this.panel = panel;
    this.log = log; this.typing = typing; this.status = status; this.input = input; this.rating = rating;

    launcher.addEventListener("click", function () { self.isOpen() ? self.close() : self.open(); });
    close.addEventListener("click", function () { self.close(); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); self.close(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = "";
      self.send(text, text);
    });
  };

  Widget.prototype.isOpen = function () { return !this.panel.hidden; };

  Widget.prototype.open = function () {
    this.panel.hidden = false;
    this.root.classList.add("nw-open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.setAttribute("aria-label", "Close chat");
    this.unread = 0;
    this.showBadge();
    this.connect();
    this.input.focus();
    this.scroll();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.root.classList.remove("nw-open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.showBadge();
    this.launcher.focus();
  };

  Widget.prototype.showBadge = function () {
    this.badge.textContent = String(this.unread);
    this.badge.hidden = this.unread === 0;
    var label = this.isOpen() ? "Close chat" : "Open chat";
    if (this.unread) label += " (" + this.unread + " unread)";
    this.launcher.setAttribute("aria-label", label);
  };

  Widget.prototype.connect = function () {
    var self = this, c = this.config;
    if (this.socket) return;
    this.socket = "loading";
    this.setStatus("Connecting…");
    loadScript(base + "vendor/socket.io.min.js", function (error) {
      if (error || !window.io) { self.socket = null; self.setStatus("The chat is unavailable right now."); return; }
      var socket = window.io(c.socketUrl, { path: c.socketPath, transports: ["websocket", "polling"] });
      self.socket = socket;
      socket.on("connect", function () {
        self.setStatus("");
        socket.emit("session_request", { session_id: self.read("session") });
      });
      socket.on("connect_error", function () { self.setStatus("Reconnecting…"); });
      socket.on("disconnect", function () { self.setStatus("Reconnecting…"); });
      socket.on("session_confirm", function (sessionId) {
        var resumed = sessionId === self.read("session");
        self.sessionId = sessionId;
        self.write("session", sessionId);
        if (resumed) socket.emit("history_request", {});
        else self.showHistory([]);
      });
      socket.on("history", function (data) { self.showHistory((data && data.messages) || []); });
      socket.on("bot_uttered", function (message) { self.receive(message); });
      socket.on("user_echo", function (data) { if (data && data.text) self.addMessage({ sender: "user", text: data.text }); });
      socket.on("bot_typing", function (data) { self.setTyping(Boolean(data && data.typing)); });
      socket.on("widget_error", function (data) { self.addNote((data && data.error) || "Something went wrong."); });
    });
  };

  Widget.prototype.setStatus = function (text) {
    this.status.textContent = text;
    this.status.hidden = !text;
  };

  Widget.prototype.setTyping = function (on) {
    var self = this;
    this.typing.hidden = !on;
    clearTimeout(this.typingTimer);
    if (on) this.typingTimer = setTimeout(function () { self.typing.hidden = true; }, TYPING_TIMEOUT_MS);
    this.scroll();
  };

  Widget.prototype.showHistory = function (messages) {
    var self = this;
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    this.byId = {};
    this.lastBot = null;
    this.rating.hidden = true;
    if (this.config.greeting) this.addMessage({ sender: "bot", text: this.config.greeting, greeting: true });
    messages.forEach(function (message) { self.addMessage(message, true); });
    this.pending.forEach(function (item) { self.addMessage({ sender: "user", text: item.shown }, true); });
    this.flush();
    this.scroll();
  };

  Widget.prototype.flush = function () {
    var pending = this.pending;
    this.pending = [];
    for (var i = 0; i < pending.length; i++) this.emit(pending[i].text);
  };

  Widget.prototype.send = function (text, shown) {
    this.dropQuickReplies();
    this.addMessage({ sender: "user", text: shown });
    if (!this.sessionId || typeof this.socket !== "object" || !this.socket || !this.socket.connected) {
      this.pending.push({ text: text, shown: shown });
      this.connect();
      return;
    }
    this.emit(text);
  };

  Widget.prototype.emit = function (text) {
    var metadata = this.config.authToken ? { auth_token: this.config.authToken } : {};
    this.socket.emit("user_uttered", { message: text, session_id: this.sessionId, metadata: metadata });
  };

  /* Bot messages come in the shapes Rasa's own socket.io channel sends (so stock widgets render them too):
     a text with its quick replies, then its custom payload alone — a document answer's sources — joined
     here to the text it belongs to by `metadata.message_id` (or, without one, to the last bot message).
     `metadata.agent` marks a text a person wrote. */
  Widget.prototype.receive = function (message) {
    if (!message || typeof message !== "object") return;
    var meta = message.metadata && typeof message.metadata === "object" ? message.metadata : {};
    if (typeof message.text === "string") {
      this.setTyping(false);
      var agent = typeof meta.agent === "string" && meta.agent ? meta.agent : null;
      this.addMessage({ sender: agent ? "agent" : "bot", agent: agent, text: message.text,
        quick_replies: message.quick_replies, id: meta.message_id });
      if (!this.isOpen()) { this.unread += 1; this.showBadge(); }
    } else if (Array.isArray(message.sources) && message.sources.length) {
      this.attachSources(meta.message_id, message.sources);
    }
  };

  Widget.prototype.attachSources = function (messageId, sources) {
    var item = (messageId && this.byId[messageId]) || this.lastBot;
    if (!item || item.querySelector(".nw-sources")) {
      this.addMessage({ sender: "bot", custom: { sources: sources } });
      return;
    }
    item.insertBefore(this.sources(sources), item.querySelector(".nw-thumbs"));
    this.scroll();
  };

  Widget.prototype.dropQuickReplies = function () {
    var groups = this.log.querySelectorAll(".nw-replies");
    for (var i = 0; i < groups.length; i++) groups[i].parentNode.removeChild(groups[i]);
  };

  Widget.prototype.addNote = function (text) {
    this.log.appendChild(el("p", { class: "nw-note" }, text));
    this.scroll();
  };

  Widget.prototype.addMessage = function (message, fromHistory) {
    var self = this;
    var sender = message.sender === "user" || message.sender === "agent" ? message.sender : "bot";
    var custom = message.custom || {};
    var item = el("div", { class: "nw-msg nw-" + sender });
    if (message.greeting) item.classList.add("nw-greeting");
    if (sender === "agent") item.appendChild(el("p", { class: "nw-from" }, (message.agent || "Agent") + " · agent"));
    var sr = { user: "You said", bot: "Assistant", agent: (message.agent || "Agent") + " (a person)" }[sender];
    item.appendChild(el("span", { class: "nw-sr" }, sr + ": "));
    if (message.text) {
      var bubble = el("p", { class: "nw-bubble" });
      appendText(bubble, message.text);
      item.appendChild(bubble);
    }
    if (Array.isArray(custom.sources) && custom.sources.length) item.appendChild(this.sources(custom.sources));
    if (!item.querySelector(".nw-bubble, .nw-sources")) return;
    if (sender === "bot" && !message.greeting && message.text && this.config.feedback) {
      item.appendChild(this.thumbs(message.text));
      this.rating.hidden = false;
    }
    if (sender !== "user") this.dropQuickReplies();
    this.log.appendChild(item);
    if (sender !== "user" && !message.greeting) {
      this.lastBot = item;
      if (typeof message.id === "string") this.byId[message.id] = item;
    }
    var replies = Array.isArray(message.quick_replies) ? message.quick_replies : [];
    if (replies.length) {
      var group = el("div", { class: "nw-replies", role: "group", "aria-label": "Suggested replies" });
      replies.forEach(function (reply) {
        if (!reply || !reply.title) return;
        var button = el("button", { type: "button", class: "nw-reply" }, reply.title);
        button.addEventListener("click", function () {
          self.send(String(reply.payload || reply.title), String(reply.title));
          self.input.focus();
        });
        group.appendChild(button);
      });
      this.log.appendChild(group);
    }
    if (!fromHistory) this.scroll();
  };

  /* Feedback goes to the API that served widget.js (not over the socket): it is checked against the
     conversation there and recorded in it without running the dialogue (analytics/feedback.py). */
  Widget.prototype.postFeedback = function (body, done) {
    var url = this.config.feedbackUrl || new URL("../api/feedback", new URL(base, window.location.href)).href;
    body.session_id = this.sessionId;
    if (!this.sessionId || !window.fetch) { done(false); return; }
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (response) { done(response.ok || response.status === 409); })
      .catch(function () { done(false); });
  };

  Widget.prototype.thumbs = function (answer) {
    var self = this;
    var group = el("div", { class: "nw-thumbs", role: "group", "aria-label": "Was this answer helpful?" });
    [["up", "Helpful"], ["down", "Not helpful"]].forEach(function (pair) {
      var button = el("button", { type: "button", class: "nw-thumb", "data-value": pair[0], "aria-label": pair[1],
        "aria-pressed": "false", title: pair[1] });
      button.appendChild(thumbIcon(pair[0] === "down"));
      button.addEventListener("click", function () {
        var buttons = group.querySelectorAll("button");
        for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
        button.setAttribute("aria-pressed", "true");
        self.postFeedback({ kind: "answer", value: pair[0], answer: answer }, function (ok) {
          if (ok) { group.classList.add("nw-rated"); return; }
          button.setAttribute("aria-pressed", "false");
          for (var j = 0; j < buttons.length; j++) buttons[j].disabled = false;
        });
      });
      group.appendChild(button);
    });
    return group;
  };

  Widget.prototype.rate = function (value) {
    var self = this;
    var stars = this.rating.querySelectorAll(".nw-star");
    this.postFeedback({ kind: "conversation", value: value }, function (ok) {
      if (!ok) return;
      for (var i = 0; i < stars.length; i++) {
        var chosen = Number(stars[i].getAttribute("data-rating")) <= value;
        stars[i].classList.toggle("nw-on", chosen);
        stars[i].setAttribute("aria-pressed", String(Number(stars[i].getAttribute("data-rating")) === value));
      }
      self.rating.querySelector(".nw-rating-label").textContent = "Thanks for rating this chat!";
    });
  };

  Widget.prototype.sources = function (sources) {
    var list = el("ul", { class: "nw-sources", "aria-label": "Sources" });
    var seen = {};
    sources.forEach(function (source) {
      var title = source && (source.title || source.path);
      if (!title || seen[title]) return;
      seen[title] = true;
      var item = el("li", { class: "nw-source" }, title);
      if (source.snippet) item.setAttribute("title", String(source.snippet));
      list.appendChild(item);
    });
    return list;
  };

  Widget.prototype.scroll = function () { this.log.scrollTop = this.log.scrollHeight; };

  function readConfig(extra) {
    var config = {}, key;
    for (key in DEFAULTS) config[key] = DEFAULTS[key];
    var tag = document.getElementById("northwind-chat-config");
    if (tag) {
      try { extra = Object.assign(JSON.parse(tag.textContent), extra || {}); }
      catch (e) { console.error("Northwind chat: the config in #northwind-chat-config is not valid JSON."); }
    }
    for (key in extra || {}) if (key in DEFAULTS) config[key] = extra[key];
    config.colors = config.colors && typeof config.colors === "object" ? config.colors : {};
    return config;
  }

  function start(options) {
    if (document.getElementById("nw-chat")) return null; // one widget per page
    var config = readConfig(options || window.NorthwindChatConfig);
    if (!config.socketUrl) {
      console.error("Northwind chat: `socketUrl` (the Rasa server's URL) is required.");
      return null;
    }
    var stylesheet = el("link", { rel: "stylesheet", href: base + "widget.css" });
    document.head.appendChild(stylesheet);
    return new Widget(config);
  }

  window.NorthwindChat = { init: start };
  var manual = document.currentScript && document.currentScript.hasAttribute("data-manual");
  if (!manual) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { start(); });
    else start();
  }
})();
