// The chat page. Everything that comes from people or documents goes into the page as text nodes
// (textContent, createTextNode), never as HTML.
"use strict";

const UNAVAILABLE = "服务暂时不可用，请稍后再试";
const GAP_FOR_TIME = 5 * 60;  // seconds between messages before a new time separator, as WeChat does
const $ = (id) => document.getElementById(id);
const state = { session: null, lastTime: 0, maxChars: 500, healthTimer: null, sending: false, embed: null };
const WELCOME = "您好！我是政策问答助手，回答关于本地政府政策文件的问题，每个回答都注明出处。您可以直接提问，或点下面的问题试试：";
// The widget (widget.js) opens this page at /embed in an iframe on another site, with that site's title, colour
// and welcome text in the query: they come from someone else's markup, so they are checked and shown as text.
const EMBED_PATH = "/embed";
const EMBED_MAX_CHARS = { title: 40, welcome: 300 };
const HEX_COLOUR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function newSessionId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);  // randomUUID needs a secure context; a phone on the LAN may not have one
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function sessionId() {
  let id = null;
  try { id = localStorage.getItem("policybot.session"); } catch (e) { /* private mode: a fresh session */ }
  if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
    id = newSessionId();
    try { localStorage.setItem("policybot.session", id); } catch (e) { /* keeps working without reloads */ }
  }
  return id;
}

function formatTime(seconds) {
  const d = new Date(seconds * 1000), now = new Date();
  const hm = String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  if (d.toDateString() === now.toDateString()) return hm;
  const day = (d.getMonth() + 1) + "月" + d.getDate() + "日 " + hm;
  return d.getFullYear() === now.getFullYear() ? day : d.getFullYear() + "年" + day;
}

// A line of text at most `max` characters long (by code point: a cap never splits a character), no controls.
function plainText(value, max) {
  const text = String(value || "").replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return Array.from(text).slice(0, max).join("").trim() || null;
}

// The page framing this one, as the widget names it: an exact origin. Messages are posted to this origin only (the
// browser drops them if the framing page is another), and read from it only; frame-ancestors says who may frame.
function hostOrigin(value) {
  let url;
  try { url = new URL(value); } catch (e) { return null; }
  return url.origin === value && /^https?:$/.test(url.protocol) && window.parent !== window ? value : null;
}

function embedOptions() {
  if (location.pathname !== EMBED_PATH) return null;
  const query = new URLSearchParams(location.search), colour = query.get("color") || "";
  return {
    title: plainText(query.get("title"), EMBED_MAX_CHARS.title),
    welcome: plainText(query.get("welcome"), EMBED_MAX_CHARS.welcome),
    colour: HEX_COLOUR.test(colour) ? colour : null,
    host: hostOrigin(query.get("host")),
  };
}

// Black or white, whichever reads better on the colour (WCAG relative luminance).
function textOn(colour) {
  let hex = colour.slice(1);
  if (hex.length <= 4) hex = Array.from(hex, (c) => c + c).join("");
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#191919" : "#ffffff";
}

function applyEmbed(embed) {
  document.body.dataset.embed = "true";
  if (embed.title) {
    $("chat-title").textContent = embed.title;
    document.title = embed.title;
  }
  if (embed.colour) {  // through the CSSOM, which the style-src 'self' policy allows (an inline style it would not)
    document.documentElement.style.setProperty("--accent", embed.colour);
    document.documentElement.style.setProperty("--accent-text", textOn(embed.colour));
  }
}

function tellHost(type) {
  if (state.embed && state.embed.host) window.parent.postMessage({ source: "policybot", type }, state.embed.host);
}

// From the widget on the host page only: its origin exactly, and the window that frames this one.
window.addEventListener("message", (event) => {
  const embed = state.embed;
  if (!embed || !embed.host || event.origin !== embed.host || event.source !== window.parent) return;
  const data = event.data;
  if (data && data.source === "policybot-widget" && data.type === "opened" && data.focus) $("input").focus();
});

function scrollToEnd() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

function addRow(from, when) {
  if (when && when - state.lastTime > GAP_FOR_TIME) {
    const sep = el("div", "time");
    sep.appendChild(el("span", null, formatTime(when)));
    $("messages").appendChild(sep);
  }
  if (when) state.lastTime = Math.max(state.lastTime, when);
  const row = el("div", "row " + from);
  const avatar = el("img", "avatar");
  avatar.src = from === "user" ? "/static/user.svg" : "/static/bot.svg";
  avatar.alt = from === "user" ? "我" : "政策问答";
  const bubble = el("div", "bubble");
  row.append(avatar, bubble);
  $("messages").appendChild(row);
  return bubble;
}

// "…受理[1]，…[2]" becomes text with tappable markers for the citations the message carries.
function appendWithMarkers(bubble, text, citations) {
  const byN = new Map((citations || []).map((c) => [String(c.n), c]));
  const parts = String(text || "").split(/(\[\d+\])/);
  for (const part of parts) {
    const m = /^\[(\d+)\]$/.exec(part);
    if (m && byN.has(m[1])) {
      const b = el("button", "cite", part);
      b.type = "button";
      b.setAttribute("aria-label", "查看出处 " + m[1]);
      b.addEventListener("click", () => openCitation(byN.get(m[1])));
      bubble.appendChild(b);
    } else if (part) {
      bubble.appendChild(document.createTextNode(part));
    }
  }
}

function renderUser(text, when) {
  addRow("user", when).textContent = text;
}

function renderBot(message) {
  const bubble = addRow("bot", message.time);
  const custom = message.custom || {};
  const citations = Array.isArray(custom.citations) ? custom.citations : [];
  appendWithMarkers(bubble, message.text || custom.answer || "", citations);
  if (citations.length) {
    const sources = el("div", "sources");
    for (const c of citations) {
      const b = el("button", null, "[" + c.n + "] " + (c.title || c.doc_id) + (c.date ? "（" + c.date + "）" : ""));
      b.type = "button";
      b.addEventListener("click", () => openCitation(c));
      sources.appendChild(b);
    }
    bubble.appendChild(sources);
    if (custom.answered) addFeedback(bubble, message.id);
  }
  // The documents cover the topic but do not state what was asked: the closest passages, to read, not as an answer.
  const related = Array.isArray(custom.related) ? custom.related : [];
  if (related.length) {
    const box = el("div", "related");
    box.appendChild(el("div", "related-title", "相关内容"));
    for (const c of related) {
      const b = el("button", null);
      b.type = "button";
      b.appendChild(el("span", "related-text", c.text || c.quote || ""));
      b.appendChild(el("span", "related-source", "—— " + (c.title || c.doc_id) + (c.date ? "（" + c.date + "）" : "")));
      b.addEventListener("click", () => openCitation(c));
      box.appendChild(b);
    }
    bubble.appendChild(box);
    addFeedback(bubble, message.id);
  }
  return bubble;
}

// Feedback names the answer by its id: the server looks up what it said, so nothing else needs sending.
function addFeedback(bubble, messageId) {
  if (!messageId) return;
  const box = el("div", "feedback");
  box.appendChild(el("span", null, "这个回答有帮助吗？"));
  const up = el("button", null, "有用"), down = el("button", null, "没用");
  for (const [button, rating] of [[up, "up"], [down, "down"]]) {
    button.type = "button";
    button.dataset.rating = rating;
    button.addEventListener("click", () => {
      up.setAttribute("aria-pressed", String(rating === "up"));
      down.setAttribute("aria-pressed", String(rating === "down"));
      showComment(box, rating, messageId);
    });
  }
  box.append(up, down);
  bubble.appendChild(box);
}

function showComment(box, rating, messageId) {
  box.querySelector(".comment")?.remove();
  const form = el("form", "comment");
  const input = el("input");
  input.placeholder = rating === "down" ? "哪里不对？（可不填）" : "还想说点什么？（可不填）";
  input.maxLength = state.maxChars;
  input.setAttribute("aria-label", "反馈意见");
  const submit = el("button", null, "提交");
  submit.type = "submit";
  form.append(input, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    const reply = await post("/api/feedback", {
      session: state.session, message_id: messageId, rating, comment: input.value.trim(),
    });
    box.replaceChildren(el("span", null, reply.ok ? "谢谢您的反馈！" : (reply.body.error || UNAVAILABLE)));
  });
  box.appendChild(form);
  input.focus();
}

function openCitation(c) {
  // A curated FAQ entry (kind "faq") is its own source: its answer, the question it answers, no document behind it.
  const curated = c.kind === "faq";
  $("sheet-title").textContent = c.title || c.doc_id;
  $("sheet-meta").textContent = (curated ? [c.date, c.context ? "问：" + c.context : ""]
    : [c.date, c.doc_id, c.paragraph ? "第" + c.paragraph + "段" : ""]).filter(Boolean).join(" · ");
  $("open-source").hidden = curated;
  const quote = $("sheet-quote");
  quote.replaceChildren();
  // The cleaned passage in the reader's script; the original, scrape noise and all, is behind 查看原文.
  const passage = String(c.passage || ""), from = Number(c.passage_start), to = Number(c.passage_end);
  if (passage && to > from) {
    quote.append(document.createTextNode(passage.slice(0, from)), el("mark", null, passage.slice(from, to)),
                 document.createTextNode(passage.slice(to)));
  } else {
    quote.appendChild(el("mark", null, c.quote || c.text || ""));
  }
  $("open-source").onclick = () => openSource(c);
  $("sheet").hidden = false;
  $("open-source").focus();
}

async function openSource(c) {
  $("sheet").hidden = true;
  const view = $("source"), text = $("source-text");
  $("source-title").textContent = c.title || c.doc_id;
  $("source-meta").textContent = "正在打开原文…";
  text.replaceChildren();
  view.hidden = false;
  const reply = await get("/api/document?id=" + encodeURIComponent(c.doc_id));
  if (!reply.ok) {
    $("source-meta").textContent = reply.body.error || UNAVAILABLE;
    return;
  }
  const doc = reply.body, start = Number(c.start), end = Number(c.end);
  $("source-title").textContent = doc.title || c.title || c.doc_id;
  $("source-meta").textContent = [doc.date, doc.source, doc.doc_id].filter(Boolean).join(" · ");
  const mark = el("mark", null, doc.text.slice(start, end));
  mark.id = "cited";
  text.append(document.createTextNode(doc.text.slice(0, start)), mark, document.createTextNode(doc.text.slice(end)));
  mark.scrollIntoView({ block: "center" });
}

// A link to a source, as the WeChat channel sends (channels/wechat_text.py): /?doc=<id>&start=<n>&end=<n> opens
// that document with the span highlighted, over the chat.
function openLinkedSource() {
  const params = new URLSearchParams(location.search), docId = params.get("doc");
  if (!docId) return;
  const start = Number(params.get("start")), end = Number(params.get("end"));
  const span = Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end;
  openSource({ doc_id: docId, start: span ? start : 0, end: span ? end : 0 });
}

function closeOverlay(which) {
  $(which).hidden = true;
}

async function request(url, options) {
  try {
    const response = await fetch(url, options);
    let body = {};
    try { body = await response.json(); } catch (e) { /* an empty or non-JSON body */ }
    return { ok: response.ok, status: response.status, body };
  } catch (e) {
    return { ok: false, status: 0, body: { error: UNAVAILABLE, unavailable: true } };
  }
}
const get = (url) => request(url, { headers: { Accept: "application/json" } });
const post = (url, data) => request(url, {
  method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
});

function setAvailable(available) {
  $("banner").hidden = available;
  clearTimeout(state.healthTimer);
  // While down, look again every few seconds and recover on our own; while up, now and then.
  state.healthTimer = setTimeout(checkHealth, available ? 30000 : 3000);
}

async function checkHealth() {
  const wasDown = !$("banner").hidden;
  const reply = await get("/api/health");
  setAvailable(reply.ok);
  if (reply.ok && wasDown && !state.historyLoaded) loadHistory();
}

function showTyping() {
  const bubble = addRow("bot", 0);
  const dots = el("span", "typing");
  dots.setAttribute("aria-label", "正在输入");
  dots.append(el("i"), el("i"), el("i"));
  bubble.appendChild(dots);
  scrollToEnd();
  return bubble.parentElement;
}

async function send(text) {
  text = text.trim();
  if (!text || state.sending) return;
  if (text.length > state.maxChars) {
    showNotice("消息太长了：最多 " + state.maxChars + " 个字，请精简后再发。");
    return;
  }
  state.sending = true;
  $("input").value = "";
  updateInput();
  renderUser(text, Date.now() / 1000);
  const typing = showTyping();
  const reply = await post("/api/chat", { session: state.session, message: text });
  typing.remove();
  state.sending = false;
  updateInput();
  if (reply.ok) {
    setAvailable(true);
    for (const m of reply.body.messages || []) renderBot(m);
  } else {
    if (reply.status === 503 || reply.status === 0) setAvailable(false);
    const bubble = addRow("bot", Date.now() / 1000);
    bubble.classList.add("error");
    bubble.textContent = reply.body.error || UNAVAILABLE;
  }
  scrollToEnd();
}

function showNotice(text) {
  const notice = $("notice");
  notice.textContent = text;
  notice.hidden = !text;
}

function updateInput() {
  const input = $("input"), length = input.value.trim().length;
  $("send").disabled = state.sending || length === 0;
  showNotice(length > state.maxChars ? "消息太长了：最多 " + state.maxChars + " 个字（现在 " + length + " 个）。" : "");
  input.style.height = "auto";
  input.style.height = Math.min(input.scrollHeight, 120) + "px";
}

function renderWelcome(suggestions) {
  const bubble = addRow("bot", 0);
  bubble.appendChild(document.createTextNode((state.embed && state.embed.welcome) || WELCOME));
  const chips = el("div", "chips");
  for (const q of suggestions) {
    const chip = el("button", "chip", q);
    chip.type = "button";
    chip.addEventListener("click", () => send(q));
    chips.appendChild(chip);
  }
  bubble.appendChild(chips);
}

async function loadHistory() {
  const reply = await get("/api/history?session=" + encodeURIComponent(state.session));
  if (!reply.ok) {
    if (reply.status === 503 || reply.status === 0) setAvailable(false);
    return;
  }
  state.historyLoaded = true;
  for (const m of reply.body.messages || []) {
    if (m.from === "user") renderUser(m.text, m.time);
    else renderBot(m);
  }
  scrollToEnd();
}

async function start() {
  state.embed = embedOptions();
  if (state.embed) applyEmbed(state.embed);
  state.session = sessionId();
  const welcome = await get("/api/welcome");
  if (welcome.ok) state.maxChars = welcome.body.max_chars || state.maxChars;
  renderWelcome(welcome.ok ? welcome.body.suggestions || [] : []);
  await loadHistory();
  checkHealth();
  openLinkedSource();
  document.body.dataset.ready = "true";  // the welcome and the history are on the page

  const input = $("input");
  input.addEventListener("input", updateInput);
  input.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line; not while an input method is composing characters.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(input.value);
    }
  });
  $("inputbar").addEventListener("submit", (event) => {
    event.preventDefault();
    send(input.value);
  });
  document.addEventListener("click", (event) => {
    const which = event.target.closest("[data-close]")?.dataset.close;
    if (which) closeOverlay(which);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    // Escape closes what is open here first; with nothing open, the widget's panel around this page.
    const open = ["source", "sheet"].filter((which) => !$(which).hidden);
    if (open.length) open.forEach(closeOverlay);
    else tellHost("close");
  });
}

document.addEventListener("DOMContentLoaded", start);
