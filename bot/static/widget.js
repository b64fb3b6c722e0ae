// policybot's chat on any site, from one line:
//   <script src="https://GATEWAY/static/widget.js" data-title="…" data-color="#…" data-welcome="…" async></script>
// A launcher button opens the chat in a panel: an iframe of the gateway's /embed page, so the host page's styles
// and scripts cannot reach the conversation, and the chat keeps its own strict CSP. Launcher and panel live in a
// shadow root, so the host's CSS cannot restyle or hide them. The gateway's settings (POLICYBOT_WIDGET_ORIGINS)
// name the sites allowed to frame the chat. Written by hand, without a build step or library: it runs on pages
// we do not control, so it must depend on nothing.
(function () {
  "use strict";

  const script = document.currentScript || document.querySelector('script[src*="/static/widget.js"]');
  if (!script || document.querySelector("policybot-chat")) return;  // the line pasted twice: one widget
  const gateway = new URL(script.src, location.href).origin;  // where the chat lives: where this script came from
  const MAX_CHARS = { title: 40, welcome: 300 };  // the chat page caps them the same way
  const HEX_COLOUR = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
  const DEFAULT_COLOUR = "#07c160";

  function plainText(value, max) {
    const text = String(value || "").replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
    return Array.from(text).slice(0, max).join("").trim() || null;
  }

  // Black or white, whichever reads better on the colour (WCAG relative luminance), as the chat page chooses.
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

  const given = script.dataset;
  const options = {
    title: plainText(given.title, MAX_CHARS.title),
    welcome: plainText(given.welcome, MAX_CHARS.welcome),
    colour: HEX_COLOUR.test(given.color || "") ? given.color : null,
  };
  const colour = options.colour || DEFAULT_COLOUR;
  const title = options.title || "政策问答";

  // !important inside the shadow tree wins over the host page's !important (CSS Cascade 4, shadow contexts), so
  // even `* { display: none !important }` leaves the host element shown.
  const CSS = `
    :host { all: initial !important; display: block !important; visibility: visible !important; opacity: 1 !important;
            position: static !important; transform: none !important; filter: none !important; clip-path: none !important; }
    * { box-sizing: border-box; }
    [hidden] { display: none !important; }
    .launcher, .panel { position: fixed; z-index: 2147483000; }
    .launcher {
      display: flex; align-items: center; justify-content: center; right: 20px; bottom: 20px; width: 56px; height: 56px;
      margin: 0; padding: 0; border: 0; border-radius: 50%; cursor: pointer;
      background: var(--accent); color: var(--accent-text); box-shadow: 0 4px 14px rgba(0, 0, 0, .25);
    }
    .launcher svg { width: 28px; height: 28px; fill: currentColor; }
    .launcher:focus-visible, .close:focus-visible { outline: 3px solid #1f7ae0; outline-offset: 2px; }
    .panel {
      right: 20px; bottom: 88px; width: 380px; height: min(640px, calc(100vh - 108px)); overflow: hidden;
      border-radius: 12px; background: #ededed; box-shadow: 0 8px 32px rgba(0, 0, 0, .25);
    }
    .panel iframe { display: block; width: 100%; height: 100%; border: 0; }
    .close {
      position: absolute; top: 0; right: 0; width: 48px; height: 48px; margin: 0; padding: 0; border: 0;
      background: transparent; color: var(--accent-text); font: 28px/48px sans-serif; cursor: pointer;
    }
    @media (max-width: 600px) {  /* a phone: the chat takes the whole screen, closed by its button */
      .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; box-shadow: none; }
      .open .launcher { display: none; }
    }`;

  function svg(path) {
    const NS = "http://www.w3.org/2000/svg";
    const icon = document.createElementNS(NS, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    const shape = document.createElementNS(NS, "path");
    shape.setAttribute("d", path);
    icon.appendChild(shape);
    return icon;
  }

  function element(tag, className) {
    const node = document.createElement(tag);
    node.className = className;
    return node;
  }

  const host = document.createElement("policybot-chat");
  // Open, so that tests and assistive tools can look in; the conversation itself is in the iframe, out of reach.
  const root = host.attachShadow({ mode: "open" });
  if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();  // a constructed sheet is not an inline <style>: a strict host CSP allows it
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }

  const box = element("div", "widget");
  box.style.setProperty("--accent", colour);
  box.style.setProperty("--accent-text", textOn(colour));
  const launcher = element("button", "launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "打开在线咨询：" + title);
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "policybot-panel");
  launcher.title = title;
  launcher.appendChild(svg("M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"));
  const panel = element("div", "panel");
  panel.id = "policybot-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  const close = element("button", "close");
  close.type = "button";
  close.textContent = "×";
  close.setAttribute("aria-label", "关闭对话");
  box.append(panel, launcher);
  root.appendChild(box);

  let frame = null;  // made at the first open: a page that never opens the chat never loads it

  function embedUrl() {
    const query = new URLSearchParams();
    if (options.title) query.set("title", options.title);
    if (options.colour) query.set("color", options.colour);
    if (options.welcome) query.set("welcome", options.welcome);
    query.set("host", location.origin);  // where the chat page may send its messages (Escape: close)
    return gateway + "/embed?" + query.toString();
  }

  function tellChat(message) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage({ source: "policybot-widget", ...message }, gateway);
  }

  let focusInput = false;

  function open(byKeyboard) {
    // By keyboard, or with a mouse, the cursor goes to the question box; on a touch screen a tap should not pop
    // the keyboard up over the welcome.
    focusInput = byKeyboard || !matchMedia("(pointer: coarse)").matches;
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = title;
      frame.src = embedUrl();
      frame.referrerPolicy = "no-referrer";
      // The chat needs its own origin (storage for the session) and scripts; it may not navigate the host page.
      frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");
      frame.addEventListener("load", () => tellChat({ type: "opened", focus: focusInput && !panel.hidden }));
      panel.append(frame, close);
    } else {
      tellChat({ type: "opened", focus: focusInput });
    }
    panel.hidden = false;
    box.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.setAttribute("aria-label", "收起在线咨询：" + title);
    if (focusInput) frame.focus();
    else close.focus();
  }

  function shut() {
    if (panel.hidden) return;
    panel.hidden = true;
    box.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-label", "打开在线咨询：" + title);
    launcher.focus();
  }

  // A click by keyboard (Enter, Space) has no pointer position: detail 0.
  launcher.addEventListener("click", (event) => (panel.hidden ? open(event.detail === 0) : shut()));
  close.addEventListener("click", shut);
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.stopPropagation();
      shut();
    }
  });
  // Escape pressed inside the chat reaches this page as a message: from the gateway's origin and our iframe only.
  window.addEventListener("message", (event) => {
    if (!frame || event.origin !== gateway || event.source !== frame.contentWindow) return;
    const data = event.data;
    if (data && data.source === "policybot" && data.type === "close") shut();
  });

  // An async script may run while the page's <head> is still being read: then after it is.
  if (document.body) document.body.appendChild(host);
  else document.addEventListener("DOMContentLoaded", () => document.body.appendChild(host));
})();
