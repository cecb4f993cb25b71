// The sandbox pages' HTML, CSS and browser script, served as plain strings (no build step).
import { FORMAT_LOCALES, type FormatLang, formatLang, formatMoney } from "@cita/shared";
import { hhmm } from "../agent/lang.ts";
import { toLocal } from "../time/zoned.ts";
import { chatScriptText, SANDBOX_TEXT, type SandboxLang } from "./text.ts";

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export function page(title: string, body: string, lang: FormatLang = "es"): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="/sandbox/app.css"></head><body class="plain">${body}</body></html>`;
}

export interface CheckoutView {
  sessionId: string;
  state: "open" | "paid" | "expired";
  amountCents: number;
  currency: string;
  /** When the checkout session (and so the hold) expires. */
  expiresAt: Date;
  booking: {
    id: string;
    /** The customer's language: the page speaks it (Spanish when unknown). */
    language: string;
    salon: string;
    timeZone: string;
    startsAt: Date;
    services: { es: string; en: string }[];
    stylists: string[];
  } | null;
}

const CHECKOUT_TEXT = {
  es: {
    title: "Pago del depósito",
    deposit: "Depósito",
    salon: "Salón",
    service: "Servicio",
    stylist: "Con",
    when: "Cuándo",
    open: (until: string) => `Pendiente de pago. Te guardamos la cita hasta las ${until}.`,
    paid: "Pagado ✓ — la cita queda confirmada.",
    expired: "Este enlace ha caducado.",
    pay: (amount: string) => `Pagar ${amount}`,
    expire: "Dejar que caduque",
    note: "Modo de prueba: no se cobra nada. Cada botón envía a Cita un evento de Stripe firmado.",
    notFound: "No encontramos este pago.",
  },
  en: {
    title: "Deposit payment",
    deposit: "Deposit",
    salon: "Salon",
    service: "Service",
    stylist: "With",
    when: "When",
    open: (until: string) => `Awaiting payment. We are holding your booking until ${until}.`,
    paid: "Paid ✓ — your booking is confirmed.",
    expired: "This link has expired.",
    pay: (amount: string) => `Pay ${amount}`,
    expire: "Let it expire",
    note: "Test mode: nothing is charged. Each button sends Cita a signed Stripe event.",
    notFound: "We could not find this payment.",
  },
} as const;

/** "miércoles, 16 de diciembre de 2026, 09:30": the time with two digits, as the chat writes it. */
export const WHEN_FORMAT: Intl.DateTimeFormatOptions = {
  weekday: "long",
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
};

export function checkoutNotFound(): string {
  return page(CHECKOUT_TEXT.es.title, `<main class="card checkout"><h1>${esc(CHECKOUT_TEXT.es.notFound)}</h1></main>`);
}

/**
 * The sandbox's "Stripe Checkout" page, as the customer sees it: in their language, the salon, the
 * services, the stylist, the local date and time, the amount, and until when the booking is held —
 * written as the chat writes it (hhmm of the local minute, agent/lang.ts), so both say the same
 * time. No ids or status names as text; the booking id is a data- attribute for tests.
 */
export function checkoutPage(v: CheckoutView): string {
  const lang = formatLang(v.booking?.language);
  const t = CHECKOUT_TEXT[lang];
  const b = v.booking;
  const tz = b?.timeZone ?? "Europe/Madrid";
  const amount = formatMoney(v.amountCents, v.currency, lang);
  const when = b
    ? new Intl.DateTimeFormat(FORMAT_LOCALES[lang], { timeZone: tz, ...WHEN_FORMAT }).format(b.startsAt)
    : "";
  const until = hhmm(toLocal(v.expiresAt, tz).minute);
  const id = esc(v.sessionId);
  const state =
    v.state === "paid"
      ? `<p class="ok" data-testid="checkout-state" data-state="paid">${esc(t.paid)}</p>`
      : v.state === "expired"
        ? `<p class="bad" data-testid="checkout-state" data-state="expired">${esc(t.expired)}</p>`
        : `<p data-testid="checkout-state" data-state="open" data-expires-at="${esc(v.expiresAt.toISOString())}">${esc(t.open(until))}</p>
           <form method="post" action="/sandbox/checkout/${id}/pay"><button class="pay">${esc(t.pay(amount))}</button></form>
           <form method="post" action="/sandbox/checkout/${id}/expire"><button class="secondary">${esc(t.expire)}</button></form>`;
  const details = b
    ? `<dl><dt>${esc(t.salon)}</dt><dd data-testid="salon">${esc(b.salon)}</dd>
         <dt>${esc(t.service)}</dt><dd data-testid="service">${b.services.map((s) => esc(s[lang])).join(" + ")}</dd>
         <dt>${esc(t.stylist)}</dt><dd data-testid="stylist">${b.stylists.map(esc).join(", ")}</dd>
         <dt>${esc(t.when)}</dt><dd data-testid="when">${esc(when)}</dd></dl>`
    : "";
  return page(
    t.title,
    `<main class="card checkout" data-testid="checkout"${b ? ` data-booking-id="${esc(b.id)}"` : ""} data-lang="${lang}">
       <p class="tag">Stripe · sandbox</p>
       <h1>${esc(t.deposit)} <span data-testid="amount">${esc(amount)}</span></h1>
       ${details}
       ${state}
       <p class="small">${esc(t.note)}</p>
     </main>`,
    lang,
  );
}

/** The WhatsApp simulator's page, its chrome in the visitor's language. */
export function chatHtml(lang: SandboxLang): string {
  const t = SANDBOX_TEXT[lang];
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(t.chatTitle)}</title>
<link rel="stylesheet" href="/sandbox/app.css"></head>
<body data-t="${esc(chatScriptText(lang))}">
<aside class="side">
  <h1>${esc(t.heading)}</h1>
  <p class="small">${esc(t.intro)}</p>
  <form id="who">
    <label>${esc(t.phone)} <input id="phone" name="phone" placeholder="+34600123456" autocomplete="off" required></label>
    <label>${esc(t.name)} <input id="name" name="name" placeholder="${esc(t.namePlaceholder)}"></label>
    <button>${esc(t.open)}</button>
  </form>
  <ul id="recent"></ul>
  <nav class="links"><a href="/sandbox/calendar?lang=${lang}">${esc(t.calendars)}</a> · <a href="/console/">${esc(t.console)}</a> · <a id="other-lang" href="/sandbox?lang=${t.otherLang}" hreflang="${t.otherLang}">${esc(t.other)}</a></nav>
</aside>
<main class="phone">
  <header class="bar"><div class="avatar">C</div><div><b>${esc(t.salon)}</b><div id="status" class="small">${esc(t.pickPhone)}</div></div></header>
  <section id="log" class="log" aria-live="polite"></section>
  <div id="list" class="sheet" hidden><div class="sheet-body"><h3 id="list-title">${esc(t.options)}</h3><ul id="list-rows"></ul><button id="list-close" class="secondary">${esc(t.close)}</button></div></div>
  <form id="compose" class="compose">
    <label class="attach" title="${esc(t.attach)}">📎<input id="image" type="file" accept="image/*" hidden></label>
    <input id="text" placeholder="${esc(t.compose)}" autocomplete="off" disabled>
    <button id="send" disabled aria-label="${esc(t.send)}">➤</button>
  </form>
</main>
<script src="/sandbox/app.js"></script>
</body></html>`;
}

export const CHAT_CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.35 system-ui,sans-serif;background:#d1d7db;display:flex;min-height:100vh}
body.plain{display:block;padding:24px;background:#f0f2f5}
.card{background:#fff;border-radius:10px;padding:16px 20px;margin:0 auto 16px;max-width:760px;box-shadow:0 1px 3px #0002}
.checkout{max-width:460px}.checkout dl{display:grid;grid-template-columns:110px 1fr;gap:6px}.checkout dt{color:#667781}
.tag{display:inline-block;background:#635bff;color:#fff;border-radius:6px;padding:2px 8px;font-size:12px;margin:0}
.ok{color:#008069;font-weight:600}.bad{color:#b00020;font-weight:600}
button{background:#008069;color:#fff;border:0;border-radius:8px;padding:8px 14px;font:inherit;cursor:pointer}
button.secondary{background:#e9edef;color:#111b21}button.pay{background:#635bff;width:100%;margin:8px 0;padding:12px}
input{font:inherit;padding:7px 9px;border:1px solid #ccd;border-radius:8px}
.row{display:flex;gap:6px;flex-wrap:wrap;align-items:center}.inline{display:inline}
.small{font-size:12px;color:#667781}.links{margin:8px 0}
.side{width:280px;background:#fff;padding:16px;display:flex;flex-direction:column;gap:10px}
.side h1{font-size:18px;margin:0}.side label{display:flex;flex-direction:column;font-size:13px;gap:2px;margin-bottom:6px}
#recent{list-style:none;padding:0;margin:0}#recent li{padding:6px;border-radius:6px;cursor:pointer}#recent li:hover{background:#f0f2f5}
.phone{flex:1;max-width:520px;display:flex;flex-direction:column;background:#efeae2;height:100vh;position:relative}
.bar{background:#008069;color:#fff;display:flex;gap:10px;align-items:center;padding:10px 14px}.bar .small{color:#d9fdd3}
.avatar{width:36px;height:36px;border-radius:50%;background:#fff;color:#008069;display:grid;place-items:center;font-weight:700}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:6px}
.msg{max-width:80%;padding:6px 9px 4px;border-radius:8px;box-shadow:0 1px .5px #0002;white-space:pre-wrap;word-wrap:break-word}
.msg.me{align-self:flex-end;background:#d9fdd3}.msg.cita{align-self:flex-start;background:#fff}
.msg img{max-width:220px;border-radius:6px;display:block}
.meta{font-size:11px;color:#667781;text-align:right;margin-top:2px}.tick{margin-left:4px}.tick.read{color:#53bdeb}.tick.failed{color:#b00020}
.buttons{display:flex;flex-direction:column;gap:1px;margin-top:6px;border-top:1px solid #e9edef}
.buttons button,.listbtn{background:#fff;color:#027eb5;border-radius:0;padding:7px;width:100%}
.sheet{position:absolute;inset:0;background:#0006;display:flex;align-items:flex-end}.sheet[hidden]{display:none}
.sheet-body{background:#fff;width:100%;border-radius:12px 12px 0 0;padding:12px 16px;max-height:70%;overflow-y:auto}
#list-rows{list-style:none;padding:0;margin:0 0 10px}#list-rows li{padding:10px 4px;border-bottom:1px solid #e9edef;cursor:pointer}
#list-rows li:hover{background:#f0f2f5}
.row-title{color:#111b21}.row-desc{font-size:13px;color:#667781;margin-top:2px}
.msg a.link{color:#027eb5;text-decoration:underline;word-break:break-all}
.compose{display:flex;gap:6px;padding:8px;background:#f0f2f5;align-items:center}.compose input{flex:1}
.attach{cursor:pointer;font-size:20px}
`;

export const CHAT_JS = String.raw`
(() => {
  const $ = (id) => document.getElementById(id);
  // The page's language, set by the server (sandbox/text.ts).
  const T = JSON.parse(document.body.dataset.t || "{}");
  const state = { phone: null, name: "", shown: "", timer: null };
  const recent = () => JSON.parse(localStorage.getItem("cita-sandbox-recent") || "[]");
  function remember(phone, name) {
    const list = recent().filter((r) => r.phone !== phone);
    list.unshift({ phone, name });
    localStorage.setItem("cita-sandbox-recent", JSON.stringify(list.slice(0, 10)));
    drawRecent();
  }
  function drawRecent() {
    const ul = $("recent");
    ul.replaceChildren(...recent().map((r) => {
      const li = document.createElement("li");
      li.textContent = (r.name ? r.name + " · " : "") + r.phone;
      li.onclick = () => open(r.phone, r.name);
      return li;
    }));
  }
  // In the salon's zone (from the chat view), as the salon's own messages write times.
  let zone = null;
  const time = (ms) =>
    new Date(ms).toLocaleTimeString(T.locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", ...(zone ? { timeZone: zone } : {}) });
  // Built from elements and text nodes only: message text, errors and titles are never parsed as HTML.
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function tick(m) {
    if (m.from !== "me") return null;
    const cls = m.status === "read" ? "read" : m.status === "failed" ? "failed" : "";
    const mark = m.status === "sending" ? "🕓" : m.status === "failed" ? "⚠" : m.status === "read" ? "✓✓" : "✓";
    const t = el("span", "tick " + cls, mark);
    t.dataset.status = m.status;
    t.title = m.error || (T.statuses && T.statuses[m.status]) || m.status;
    return t;
  }
  // Links as WhatsApp shows them: tappable, the rest of the text as plain text.
  const URL_RE = /https?:\/\/[^\s<>"']+/g;
  function linkify(text) {
    const out = [];
    let last = 0;
    for (const m of text.matchAll(URL_RE)) {
      let url = m[0];
      const trail = /[.,;:!?)\]]+$/.exec(url);
      if (trail) url = url.slice(0, -trail[0].length);
      let ok = false;
      try {
        ok = ["http:", "https:"].includes(new URL(url).protocol);
      } catch {}
      if (!ok) continue;
      if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
      const a = el("a", "link", url);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      out.push(a);
      last = m.index + url.length;
    }
    if (last < text.length) out.push(document.createTextNode(text.slice(last)));
    return out;
  }
  function bubble(m) {
    const div = document.createElement("div");
    div.className = "msg " + m.from;
    div.dataset.id = m.id;
    div.dataset.from = m.from;
    if (m.image) {
      const img = document.createElement("img");
      img.src = m.image;
      img.alt = T.image;
      div.append(img);
    }
    if (m.text) {
      const t = el("div", "text");
      t.append(...linkify(m.text));
      div.append(t);
    }
    const meta = el("div", "meta", time(m.at));
    const mark = tick(m);
    if (mark) meta.append(mark);
    div.append(meta);
    if (m.items && m.items.length) {
      const box = document.createElement("div");
      box.className = "buttons";
      if (m.items.length <= 3) {
        for (const it of m.items) {
          const b = document.createElement("button");
          b.type = "button";
          b.textContent = it.title;
          b.onclick = () => send(it.title);
          box.append(b);
        }
      } else {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "listbtn";
        b.textContent = T.seeOptions;
        b.onclick = () => showList(m);
        box.append(b);
      }
      div.append(box);
    }
    return div;
  }
  function showList(m) {
    $("list-title").textContent = m.text || T.options;
    $("list-rows").replaceChildren(...m.items.map((it) => {
      const li = el("li");
      li.setAttribute("role", "option");
      li.append(el("div", "row-title", it.title));
      if (it.description) li.append(el("div", "row-desc", it.description));
      li.onclick = () => { $("list").hidden = true; send(it.title); };
      return li;
    }));
    $("list").hidden = false;
  }
  $("list-close").onclick = () => ($("list").hidden = true);
  function draw(view) {
    zone = view.timeZone || zone;
    const key = JSON.stringify(view);
    if (key === state.shown) return;
    state.shown = key;
    $("status").textContent = view.conversation
      ? view.conversation.phone + (view.conversation.status === "open" ? " · " + T.withPerson : " · " + T.assistant)
      : state.phone + " · " + T.newChat;
    const log = $("log");
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.replaceChildren(...view.messages.map(bubble));
    if (atEnd || true) log.scrollTop = log.scrollHeight;
    if (view.messages.some((m) => m.from === "cita" && m.status !== "read") && document.visibilityState === "visible") {
      fetch("/sandbox/api/seen", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ phone: state.phone }) });
    }
  }
  async function poll() {
    if (!state.phone) return;
    try {
      const r = await fetch("/sandbox/api/chat?phone=" + encodeURIComponent(state.phone));
      if (r.ok) draw(await r.json());
    } catch {}
  }
  function open(phone, name) {
    state.phone = phone.replace(/[\s()-]/g, "");
    state.name = name || "";
    $("phone").value = state.phone;
    $("name").value = state.name;
    $("text").disabled = false;
    $("send").disabled = false;
    state.shown = "";
    $("log").replaceChildren();
    remember(state.phone, state.name);
    history.replaceState(null, "", "?phone=" + encodeURIComponent(state.phone) + (state.name ? "&name=" + encodeURIComponent(state.name) : ""));
    poll();
    clearInterval(state.timer);
    state.timer = setInterval(poll, 700);
    $("text").focus();
  }
  async function send(text, image, mime) {
    if (!state.phone) return;
    const r = await fetch("/sandbox/api/send", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone: state.phone, name: state.name, text, image, mime }),
    });
    const body = await r.json();
    if (r.ok) draw(body);
    else alert(body.error || T.notSent);
  }
  $("who").onsubmit = (e) => { e.preventDefault(); open($("phone").value, $("name").value); };
  $("compose").onsubmit = (e) => {
    e.preventDefault();
    const t = $("text").value;
    if (!t.trim()) return;
    $("text").value = "";
    send(t);
  };
  $("image").onchange = () => {
    const f = $("image").files[0];
    if (!f) return;
    const reader = new FileReader();
    reader.onload = () => {
      const data = String(reader.result);
      send($("text").value, data.slice(data.indexOf(",") + 1), f.type);
      $("text").value = "";
      $("image").value = "";
    };
    reader.readAsDataURL(f);
  };
  drawRecent();
  const q = new URLSearchParams(location.search);
  if (q.get("phone")) open(q.get("phone"), q.get("name") || "");
})();
`;
