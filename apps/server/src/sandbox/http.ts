// The sandbox pages (plain Fastify routes, no frontend framework):
//   /sandbox                 a WhatsApp-like phone: chat as a customer (text, buttons, lists, images, ticks)
//   /sandbox/checkout/<id>   the deposit's "Stripe Checkout": pay, or let it expire
//   /sandbox/calendar        stylists' own busy times on their (sandbox) Google Calendars
// Each action goes through the real door: signed Chatwoot deliveries to /webhooks/chatwoot, signed
// Stripe events to /webhooks/stripe, and calendar changes through calendar/import-busy.ts.
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { SYNC_QUEUE, syncBusyTime } from "../calendar/import-busy.ts";
import { chatwootSignatureHeaders } from "../channels/signatures.ts";
import { localToUtc } from "../time/zoned.ts";
import type { AppServices } from "../trpc/context.ts";
import type { SandboxChatwoot, SandboxConversation, SandboxIncoming } from "./chatwoot.ts";
import { CHAT_CSS, CHAT_JS, chatHtml, checkoutNotFound, checkoutPage, esc, page } from "./pages.ts";
import { type Sandbox, sandboxOf } from "./sandbox.ts";
import { SANDBOX_TEXT, type SandboxLang, sandboxLanguage } from "./text.ts";

const PHONE = /^\+?\d{6,15}$/;
const MAX_IMAGE = 5 * 1024 * 1024;

function normalPhone(p: unknown): string | null {
  if (typeof p !== "string") return null;
  const s = p.replace(/[\s()-]/g, "");
  if (!PHONE.test(s)) return null;
  return s.startsWith("+") ? s : `+${s}`;
}

async function postJson(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}

/** A message_created delivery as Chatwoot sends it for a WhatsApp inbox (integrations.md §1.2). */
function incomingPayload(cw: SandboxChatwoot, conv: SandboxConversation, msg: SandboxIncoming) {
  const sender = {
    id: conv.id,
    name: conv.name,
    phone_number: conv.phone,
    email: null,
    identifier: null,
    type: "contact",
  };
  return {
    event: "message_created",
    id: msg.id,
    content: msg.content,
    content_type: "text",
    content_attributes: {},
    additional_attributes: {},
    message_type: "incoming",
    private: false,
    source_id: `wamid.sandbox.${msg.id}`,
    created_at: new Date(msg.createdAt).toISOString(),
    sender,
    inbox: { id: cw.inboxId, name: "WhatsApp (sandbox)" },
    account: { id: cw.accountId, name: "Cita sandbox" },
    conversation: {
      id: conv.id,
      inbox_id: cw.inboxId,
      status: conv.status,
      channel: "Channel::Whatsapp",
      can_reply: true,
      contact_inbox: {
        id: conv.id,
        contact_id: conv.id,
        inbox_id: cw.inboxId,
        source_id: conv.phone.replace(/^\+/, ""),
      },
      meta: { sender, assignee: null, assignee_type: null, team: null },
      labels: [],
    },
    ...(msg.imageKey
      ? {
          attachments: [
            {
              id: msg.id,
              message_id: msg.id,
              account_id: cw.accountId,
              file_type: "image",
              data_url: cw.mediaUrl(msg.imageKey),
              thumb_url: "",
              extension: null,
              file_size: cw.media.get(msg.imageKey)?.bytes.length ?? 0,
            },
          ],
        }
      : {}),
  };
}

/** Signs and posts a Chatwoot delivery to the real webhook route. */
async function deliverChatwoot(sb: Sandbox, payload: unknown) {
  const body = JSON.stringify(payload);
  const headers = {
    ...chatwootSignatureHeaders(body, sb.chatwootSecret, Math.floor(Date.now() / 1000)),
    "x-chatwoot-delivery": randomUUID(),
  };
  return postJson(`${sb.selfUrl}/webhooks/chatwoot`, body, headers);
}

/**
 * Descriptions of list rows, by outgoing message and row value. Chatwoot's input_select items carry a
 * title and a value only, but on WhatsApp a list row also shows a description: Cita keeps it on its
 * own message row (choices), found through the Chatwoot message id Cita recorded (externalId).
 */
type RowDescriptions = Map<number, Map<string, string>>;

async function loadDescriptions(services: AppServices, known: RowDescriptions, ids: number[]): Promise<void> {
  const missing = ids.filter((id) => !known.has(id));
  if (!missing.length) return;
  const rows = await services.db.message.findMany({
    where: { direction: "outbound", externalId: { in: missing.map(String) } },
    select: { externalId: true, choices: true },
  });
  for (const r of rows) {
    const map = new Map<string, string>();
    for (const c of Array.isArray(r.choices) ? (r.choices as { id?: unknown; description?: unknown }[]) : []) {
      if (typeof c?.id === "string" && typeof c.description === "string" && c.description) map.set(c.id, c.description);
    }
    known.set(Number(r.externalId), map);
  }
}

async function chatView(
  services: AppServices,
  descriptions: RowDescriptions,
  cw: SandboxChatwoot,
  conv: SandboxConversation | null,
  /** The salon's zone: the phone shows times as the salon's messages write them ("hasta las 12:56"). */
  timeZone: string | null,
) {
  if (!conv) return { conversation: null, messages: [], timeZone };
  const mine = cw.incoming
    .filter((m) => m.conversationId === conv.id)
    .map((m) => ({
      id: `in-${m.id}`,
      from: "me" as const,
      text: m.content,
      image: m.imageKey ? `/sandbox/api/media/${m.imageKey}` : null,
      items: [] as { title: string; value: string; description: string | null }[],
      at: m.createdAt,
      status: m.status,
      error: m.error ?? null,
    }));
  const outgoing = cw.outgoing.filter((m) => m.conversationId === conv.id);
  await loadDescriptions(
    services,
    descriptions,
    outgoing.filter((m) => m.contentType === "input_select" && m.items.length > 3).map((m) => m.id),
  ).catch(() => {}); // descriptions are a nicety: the chat shows without them
  const theirs = outgoing.map((m) => ({
    id: `out-${m.id}`,
    from: "cita" as const,
    text: m.content,
    image: null,
    items:
      m.contentType === "input_select"
        ? m.items.map((i) => ({ ...i, description: descriptions.get(m.id)?.get(i.value) ?? null }))
        : [],
    at: m.createdAt,
    status: m.status,
    error: null,
  }));
  // A customer message counts as read (blue ticks) once something was answered after it.
  const lastReply = Math.max(0, ...theirs.map((m) => m.at));
  const messages = [...mine, ...theirs]
    .sort((a, b) => a.at - b.at)
    .map((m) => (m.from === "me" && m.status === "sent" && m.at <= lastReply ? { ...m, status: "read" } : m));
  return {
    conversation: { id: conv.id, phone: conv.phone, name: conv.name, status: conv.status },
    messages,
    timeZone,
  };
}

export async function registerSandboxRoutes(app: FastifyInstance, services: AppServices): Promise<void> {
  await app.register(async (scope) => {
    const sb = sandboxOf(services);
    if (!sb) {
      scope.get("/sandbox", (_req, reply) =>
        reply
          .code(404)
          .type("text/plain")
          .send("Sandbox mode is off: every integration is configured (or CITA_ENV is not development)."),
      );
      return;
    }
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    const html = (body: string) => (_req: unknown, reply: import("fastify").FastifyReply) =>
      reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(body);

    scope.get("/sandbox", (req, reply) => {
      const lang = sandboxLanguage(req);
      reply.header("vary", "accept-language");
      if (!sb.chatwoot) {
        const t = SANDBOX_TEXT[lang];
        return html(
          page(
            t.heading,
            `<main class="card"><h1>${esc(t.heading)}</h1>${links(sb, lang)}<p>${esc(t.configured)}</p></main>`,
            lang,
          ),
        )(req, reply);
      }
      return html(chatHtml(lang))(req, reply);
    });
    scope.get("/sandbox/app.js", (_req, reply) =>
      reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").send(CHAT_JS),
    );
    scope.get("/sandbox/app.css", (_req, reply) =>
      reply.type("text/css; charset=utf-8").header("cache-control", "no-cache").send(CHAT_CSS),
    );

    // ── WhatsApp ──
    const cw = sb.chatwoot;
    if (cw) {
      const descriptions: RowDescriptions = new Map();
      let salonZone: string | null = null;
      const zone = async () =>
        (salonZone ??=
          (
            await services.db.location
              .findFirst({ select: { timeZone: true }, orderBy: { createdAt: "asc" } })
              .catch(() => null)
          )?.timeZone ?? null);
      scope.get("/sandbox/api/chat", async (req, reply) => {
        const phone = normalPhone((req.query as Record<string, unknown>).phone);
        if (!phone) return reply.code(400).send({ error: "a phone number, 6–15 digits" });
        const id = Number(phone.replace(/\D/g, "").slice(-15));
        return chatView(services, descriptions, cw, cw.conversations.get(id) ?? null, await zone());
      });
      scope.get("/sandbox/api/media/:key", async (req, reply) => {
        const m = cw.media.get((req.params as { key: string }).key);
        if (!m) return reply.code(404).send({ error: "not found" });
        return reply.type(m.mime).send(m.bytes);
      });
      scope.post("/sandbox/api/send", { bodyLimit: 8 * 1024 * 1024 }, async (req, reply) => {
        const b = (req.body ?? {}) as {
          phone?: unknown;
          name?: unknown;
          text?: unknown;
          image?: unknown;
          mime?: unknown;
        };
        const phone = normalPhone(b.phone);
        if (!phone) return reply.code(400).send({ error: "a phone number, 6–15 digits" });
        const text = typeof b.text === "string" ? b.text.slice(0, 4096) : "";
        let imageKey: string | null = null;
        if (typeof b.image === "string" && b.image) {
          const mime = typeof b.mime === "string" && /^image\/(jpeg|png|webp|gif)$/.test(b.mime) ? b.mime : null;
          const bytes = Buffer.from(b.image, "base64");
          if (!mime || bytes.length === 0 || bytes.length > MAX_IMAGE) {
            return reply.code(400).send({ error: "an image: JPEG, PNG, WebP or GIF up to 5 MB" });
          }
          imageKey = cw.addMedia(bytes, mime);
        }
        if (!text.trim() && !imageKey) return reply.code(400).send({ error: "write something or attach an image" });
        const name = typeof b.name === "string" && b.name.trim() ? b.name.trim().slice(0, 80) : "";
        const conv = cw.conversationFor(
          phone,
          name || cw.conversations.get(Number(phone.replace(/\D/g, "").slice(-15)))?.name || "",
        );
        const msg: SandboxIncoming = {
          id: cw.newMessageId(),
          conversationId: conv.id,
          content: text.trim() ? text : null,
          imageKey,
          // Written "now" by the server's clock: a message older than 24 h by it would go to staff.
          createdAt: services.clock().getTime(),
          status: "sending",
        };
        cw.incoming.push(msg);
        try {
          const r = await deliverChatwoot(sb, incomingPayload(cw, conv, msg));
          msg.status = r.status === 200 ? "sent" : "failed";
          if (r.status !== 200) msg.error = `webhook answered ${r.status}: ${r.text.slice(0, 200)}`;
        } catch (e) {
          msg.status = "failed";
          msg.error = (e as Error).message;
        }
        return chatView(services, descriptions, cw, conv, await zone());
      });
      // The phone showed (delivered) and the customer looked at (read) Cita's messages: Chatwoot tells
      // Cita through message_updated with the WhatsApp status (§1.4), as it would.
      scope.post("/sandbox/api/seen", async (req, reply) => {
        const phone = normalPhone((req.body as { phone?: unknown } | null)?.phone);
        if (!phone) return reply.code(400).send({ error: "a phone number" });
        const conv = cw.conversations.get(Number(phone.replace(/\D/g, "").slice(-15)));
        if (!conv) return { updated: 0 };
        let updated = 0;
        for (const m of cw.outgoing) {
          if (m.conversationId !== conv.id || m.status === "read") continue;
          for (const status of m.status === "sent" ? (["delivered", "read"] as const) : (["read"] as const)) {
            const r = await deliverChatwoot(sb, {
              event: "message_updated",
              id: m.id,
              content: m.content,
              content_type: m.contentType,
              message_type: "outgoing",
              private: false,
              status,
              created_at: Math.floor(m.createdAt / 1000),
              inbox: { id: cw.inboxId },
              conversation: { id: conv.id, inbox_id: cw.inboxId, status: conv.status },
            });
            if (r.status === 200) m.status = status;
          }
          updated++;
        }
        return { updated };
      });
    }

    // ── Stripe Checkout ──
    const stripe = sb.stripe;
    if (stripe) {
      const sessionFor = async (id: string) => {
        let s = stripe.sessions.get(id);
        if (!s) {
          // Sessions live in memory: after a restart, one is rebuilt from its payment row.
          const p = await services.db.payment.findUnique({ where: { checkoutSessionId: id } });
          if (!p) return null;
          const meta = { booking_id: p.bookingId, payment_id: p.id };
          stripe.adopt({
            id,
            object: "checkout.session",
            mode: "payment",
            url: p.checkoutUrl,
            status: p.status === "pending" ? "open" : p.status === "paid" ? "complete" : "expired",
            payment_status: p.status === "paid" ? "paid" : "unpaid",
            payment_intent: p.paymentIntentId ?? null,
            amount_total: p.amountCents,
            currency: p.currency.toLowerCase(),
            client_reference_id: p.bookingId,
            metadata: meta,
            payment_intent_data_metadata: meta,
            expires_at: Math.floor((p.expiresAt ?? new Date()).getTime() / 1000),
            livemode: false,
          });
          s = stripe.sessions.get(id);
        }
        return s ?? null;
      };

      scope.get("/sandbox/checkout/:id", async (req, reply) => {
        const id = (req.params as { id: string }).id;
        const s = await sessionFor(id);
        if (!s) return reply.code(404).type("text/html; charset=utf-8").send(checkoutNotFound());
        const bookingId = s.metadata.booking_id ?? s.client_reference_id ?? "";
        const b = bookingId
          ? await services.db.booking.findUnique({
              where: { id: bookingId },
              include: {
                location: { select: { name: true, timeZone: true } },
                customer: { select: { language: true } },
                items: { orderBy: { position: "asc" }, include: { service: true, staff: true } },
              },
            })
          : null;
        return html(
          checkoutPage({
            sessionId: id,
            state: s.status === "complete" ? "paid" : s.status === "expired" ? "expired" : "open",
            amountCents: s.amount_total,
            currency: s.currency.toUpperCase(),
            expiresAt: new Date(s.expires_at * 1000),
            booking: b
              ? {
                  id: b.id,
                  language: b.customer.language,
                  salon: b.location.name,
                  timeZone: b.location.timeZone,
                  startsAt: b.startsAt,
                  services: b.items.map((i) => ({ es: i.service.nameEs, en: i.service.nameEn })),
                  stylists: [...new Set(b.items.map((i) => i.staff.displayName))],
                }
              : null,
          }),
        )(req, reply);
      });
      const act =
        (kind: "pay" | "expire") =>
        async (req: import("fastify").FastifyRequest, reply: import("fastify").FastifyReply) => {
          const id = (req.params as { id: string }).id;
          const s = await sessionFor(id);
          if (!s) return reply.code(404).send({ error: "no such checkout" });
          if (s.status !== "open") return reply.redirect(`/sandbox/checkout/${encodeURIComponent(id)}`, 303);
          const event = kind === "pay" ? stripe.pay(id) : stripe.expireSession(id);
          const payload = JSON.stringify(event, null, 2);
          const { default: Stripe } = await import("stripe");
          const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: sb.stripeWebhookSecret });
          const r = await postJson(`${sb.selfUrl}/webhooks/stripe`, payload, { "stripe-signature": header });
          if (r.status !== 200) {
            req.log.warn({ status: r.status }, "sandbox stripe event refused");
            return reply.code(502).send({ error: `webhook answered ${r.status}` });
          }
          // The event is processed by a job: give it a moment so the page shows the outcome.
          const bookingId = s.metadata.booking_id;
          for (let i = 0; i < 50 && bookingId; i++) {
            const p = await services.db.payment.findFirst({ where: { checkoutSessionId: id } });
            if (p && p.status !== "pending") break;
            await new Promise((res) => setTimeout(res, 100));
          }
          return reply.redirect(`/sandbox/checkout/${encodeURIComponent(id)}`, 303);
        };
      scope.post("/sandbox/checkout/:id/pay", act("pay"));
      scope.post("/sandbox/checkout/:id/expire", act("expire"));
    }

    // ── Google Calendar ──
    const calendar = sb.calendar;
    if (calendar) {
      const stylists = () =>
        services.db.staffMember.findMany({
          where: { bookable: true, active: true },
          orderBy: { displayName: "asc" },
          include: { calendar: true, location: { select: { timeZone: true } } },
        });
      const connect = async (staffId: string) => {
        const s = await services.db.staffMember.findUnique({ where: { id: staffId }, include: { calendar: true } });
        if (!s) return null;
        if (s.calendar) return s.calendar.calendarId;
        const calendarId = s.calendarId ?? `${s.id}@sandbox.cita`;
        await services.db.calendarConnection.createMany({ data: [{ staffId, calendarId }], skipDuplicates: true });
        return calendarId;
      };
      const resync = async (staffId: string) => {
        try {
          await syncBusyTime(services, staffId);
        } catch (e) {
          req_log(services, e, staffId);
          if (services.jobs)
            await services.jobs.send(SYNC_QUEUE, { staffId }, { singletonKey: `calendar-sync:${staffId}` });
        }
      };
      scope.get("/sandbox/calendar", async (req, reply) => {
        const lang = sandboxLanguage(req);
        const t = SANDBOX_TEXT[lang];
        reply.header("vary", "accept-language");
        const list = await stylists();
        const now = services.clock();
        const busy = await services.db.externalBusy.findMany({
          where: { staffId: { in: list.map((s) => s.id) }, endsAt: { gt: now } },
          orderBy: { startsAt: "asc" },
        });
        const fmt = (d: Date, tz: string) =>
          new Intl.DateTimeFormat(t.locale, { timeZone: tz, dateStyle: "medium", timeStyle: "short" }).format(d);
        const today = new Intl.DateTimeFormat("en-CA", { timeZone: list[0]?.location.timeZone ?? "UTC" }).format(now);
        const rows = list
          .map((s) => {
            const tz = s.location.timeZone;
            const calId = s.calendar?.calendarId;
            const events = calId ? calendar.live(calId) : [];
            const own = events.filter(
              (e) =>
                !(e.extendedProperties as { private?: { citaBookingId?: string } } | undefined)?.private?.citaBookingId,
            );
            const cita = events.length - own.length;
            const mine = busy.filter((x) => x.staffId === s.id);
            return `<section class="card stylist" data-staff-id="${esc(s.id)}">
              <h2>${esc(s.displayName)}</h2>
              <p class="small">${calId ? `${esc(t.connected)} · ${esc(t.written(cita))} · ${esc(t.lastSync)}: ${s.calendar?.lastSyncedAt ? esc(fmt(s.calendar.lastSyncedAt, tz)) : esc(t.never)}` : esc(t.notConnected)}</p>
              <ul>${own
                .map((e) => {
                  const st = (e.start as { dateTime?: string } | undefined)?.dateTime;
                  const en = (e.end as { dateTime?: string } | undefined)?.dateTime;
                  return `<li data-testid="event">${esc(String(e.summary ?? t.busy))} · ${st ? esc(fmt(new Date(st), tz)) : ""} – ${en ? esc(fmt(new Date(en), tz)) : ""}
                    <form method="post" action="/sandbox/calendar/remove?lang=${lang}" class="inline"><input type="hidden" name="staffId" value="${esc(s.id)}"><input type="hidden" name="eventId" value="${esc(e.id)}"><button class="secondary">${esc(t.remove)}</button></form></li>`;
                })
                .join("")}</ul>
              <p class="small">${esc(t.imported)}: ${mine.length ? mine.map((x) => esc(`${fmt(x.startsAt, tz)} – ${fmt(x.endsAt, tz)}`)).join("; ") : esc(t.nothing)}</p>
              <form method="post" action="/sandbox/calendar/add?lang=${lang}" class="row">
                <input type="hidden" name="staffId" value="${esc(s.id)}">
                <input name="title" placeholder="${esc(t.titlePlaceholder)}" value="${esc(t.busy)}">
                <input type="date" name="date" value="${esc(today)}" required>
                <input type="time" name="start" value="10:00" required>
                <input type="time" name="end" value="11:00" required>
                <button>${esc(t.addBusy)}</button>
              </form>
            </section>`;
          })
          .join("");
        return html(
          page(
            t.calTitle,
            `<main><div class="card"><p class="tag">Google Calendar · sandbox</p><h1>${esc(t.calHeading)}</h1>${links(sb, lang)}
            <p class="small">${esc(t.calIntro)}</p></div>${rows}</main>`,
            lang,
          ),
        )(req, reply);
      });
      scope.post("/sandbox/calendar/add", async (req, reply) => {
        const b = (req.body ?? {}) as Record<string, string>;
        const staff = await services.db.staffMember.findUnique({
          where: { id: /^[0-9a-f-]{36}$/.test(b.staffId ?? "") ? b.staffId : "00000000-0000-0000-0000-000000000000" },
          include: { location: { select: { timeZone: true } } },
        });
        const toMin = (t?: string) =>
          t && /^\d\d:\d\d$/.test(t) ? Number(t.slice(0, 2)) * 60 + Number(t.slice(3)) : null;
        const start = toMin(b.start);
        const end = toMin(b.end);
        if (!staff || !b.date || !/^\d{4}-\d\d-\d\d$/.test(b.date) || start === null || end === null || end <= start) {
          return reply.code(400).type("text/plain").send("staff, date and a start before the end are needed");
        }
        const calendarId = await connect(staff.id);
        if (!calendarId) return reply.code(404).send({ error: "no such stylist" });
        const tz = staff.location.timeZone;
        calendar.putExternal(calendarId, {
          summary: (b.title ?? "").slice(0, 200) || "Ocupado",
          start: { dateTime: localToUtc(b.date, start, tz).toISOString(), timeZone: tz },
          end: { dateTime: localToUtc(b.date, end, tz).toISOString(), timeZone: tz },
          transparency: "opaque",
        });
        await resync(staff.id);
        return reply.redirect(`/sandbox/calendar?lang=${sandboxLanguage(req)}`, 303);
      });
      scope.post("/sandbox/calendar/remove", async (req, reply) => {
        const b = (req.body ?? {}) as Record<string, string>;
        const calendarId = b.staffId && /^[0-9a-f-]{36}$/.test(b.staffId) ? await connect(b.staffId) : null;
        if (!calendarId || !b.eventId) return reply.code(400).type("text/plain").send("staffId and eventId are needed");
        calendar.removeExternal(calendarId, b.eventId);
        await resync(b.staffId!);
        return reply.redirect(`/sandbox/calendar?lang=${sandboxLanguage(req)}`, 303);
      });
    }
  });
}

function req_log(services: AppServices, err: unknown, staffId: string) {
  services.log.warn({ err, staffId }, "sandbox calendar sync failed; queued a retry");
}

function links(sb: Sandbox, lang: SandboxLang): string {
  const t = SANDBOX_TEXT[lang];
  return `<nav class="links">${[
    sb.chatwoot ? `<a href="/sandbox?lang=${lang}">WhatsApp</a>` : "",
    sb.calendar ? `<a href="/sandbox/calendar?lang=${lang}">${esc(t.calendars)}</a>` : "",
    `<a href="/console/">${esc(t.console)}</a>`,
    `<a href="?lang=${t.otherLang}" hreflang="${t.otherLang}">${esc(t.other)}</a>`,
  ]
    .filter(Boolean)
    .join(" · ")}</nav>`;
}
