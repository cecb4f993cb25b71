// Export and erasure of one customer whose data arrived the real way: signed Chatwoot and Meta
// webhooks (with a voice note and a photo fetched into the data dir), bot replies through the outbox,
// delivery statuses, an escalation; plus bookings with a guest name, notes, a deposit, a refund and
// a cancellation reason, an agent transcript and a Stripe event. After the erasure every table of the
// database (every schema, pg-boss's too) and the media directory are searched for what was erased.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { TRPCError } from "@trpc/server";
import pg from "pg";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import { syncChanges } from "../changes/sync.ts";
import { chatwootMessage, chatwootStatusChanged, deliverChatwoot } from "../channels/fakes/fake-chatwoot.ts";
import { deliverMeta, metaMessage, metaStatus } from "../channels/fakes/fake-meta.ts";
import {
  type ChannelsHarness,
  CW_SECRET,
  META_SECRET,
  PHONE_ID,
  startChannelsHarness,
  until,
} from "../channels/testing.ts";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { callerFor } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";

const PHONE = "+34 611 222 333";
const E164 = "+34611222333";
const WA_ID = "34611222333";
const NAME = "Rosalía Quintanilla";
const NOTES = "Alérgica al amoniaco\nPrefiere a Laura los sábados";
const GUEST = "Pepita Flores";
const EMAIL = "rosalia.q@example.com";
/** What must be nowhere after the erasure (case-insensitive). */
const NEEDLES = [
  WA_ID,
  "611222333",
  "611 222 333",
  "Rosalía",
  "Rosalia",
  "Quintanilla",
  "amoniaco",
  "los sábados",
  GUEST,
  "Carmen",
  "enferma",
  EMAIL,
  "devolución",
  "Koleston",
];

let t: TestDatabase;
let h: ChannelsHarness;
let salon: SalonFixture;
let cw: string;
let wa: string;

beforeAll(async () => {
  t = await createTestDatabase();
  h = await startChannelsHarness(t);
  cw = `${h.url}/webhooks/chatwoot`;
  wa = `${h.url}/webhooks/whatsapp`;
  salon = await createSalonFixture(t.db, t.fc, { customers: 0 });
});
afterAll(async () => {
  await h?.stop();
  await t?.drop();
});

const manager = () => callerFor(h.services, { staffId: h.staff.b.id, role: "manager", locationId: h.staff.locationId });
const desk = () => callerFor(h.services, { staffId: h.staff.a.id, role: "front_desk", locationId: h.staff.locationId });

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TRPCError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected an error");
}

/** Every row of every table in the database as JSON text, with its table. */
async function dumpDatabase(): Promise<{ table: string; json: string }[]> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    const { rows: tables } = await c.query<{ s: string; n: string }>(
      `SELECT table_schema AS s, table_name AS n FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    const out: { table: string; json: string }[] = [];
    for (const { s, n } of tables) {
      const { rows } = await c.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${s}"."${n}" t`);
      for (const r of rows) out.push({ table: `${s}.${n}`, json: r.j });
    }
    return out;
  } finally {
    await c.end();
  }
}

const hex = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString("hex") : null);

interface Seeded {
  customerId: string;
  chatwootConversationId: string;
  metaConversationId: string;
  statusEventId: string;
  mediaPaths: string[];
  voice: Buffer;
  photo: Buffer;
  bookings: { done: string; cancelled: string; future: string };
  otherCustomerId: string;
  otherConversationId: string;
  unrelatedStripeEventId: string;
}

let seeded: Seeded;

async function seed(): Promise<Seeded> {
  // Chatwoot: a voice note with a text that repeats the name and the number.
  const voice = Buffer.from("OggS-rosalia-voice");
  const dataUrl = h.chatwoot.addMedia("rosa-voice", voice, "audio/ogg");
  await deliverChatwoot(
    cw,
    chatwootMessage({
      conversationId: 801,
      phone: PHONE,
      name: NAME,
      content: "Hola, soy Rosalía Quintanilla, mi móvil es 611 222 333",
      attachments: [{ file_type: "audio", data_url: dataUrl, extension: "ogg", file_size: voice.length }],
    }),
    { secret: CW_SECRET },
  );
  const cwConv = await until(() => t.db.conversation.findFirst({ where: { channel: "chatwoot", externalId: "801" } }));
  // Meta: a photo from the same number (the same person: one customer by the blind index).
  const photo = Buffer.from("ffd8ffe0-rosalia-photo");
  h.meta.media.set("ROSA-IMG", { bytes: photo, mime: "image/jpeg" });
  await deliverMeta(
    wa,
    metaMessage({
      phoneNumberId: PHONE_ID,
      from: WA_ID,
      name: NAME,
      message: { type: "image", mediaId: "ROSA-IMG", caption: "Rosalía: este corte" },
    }).body,
    { appSecret: META_SECRET },
  );
  const waConv = await until(() =>
    t.db.conversation.findFirst({ where: { channel: "whatsapp_cloud", externalId: WA_ID } }),
  );
  expect(waConv.customerId).toBe(cwConv.customerId);
  // Both media stored, both answered (the echo agent repeats the text: outbox payloads hold it too).
  const mediaPaths = await until(async () => {
    const ms = await t.db.message.findMany({ where: { conversationId: { in: [cwConv.id, waConv.id] } } });
    const paths = ms.flatMap((m) =>
      ((m.attachments as { storedPath?: string }[] | null) ?? []).map((a) => a.storedPath),
    );
    const sent = ms.filter((m) => m.direction === "outbound" && m.deliveryStatus === "sent");
    return paths.length === 2 && paths.every(Boolean) && sent.length === 2 ? (paths as string[]) : null;
  });
  const reply = await t.db.message.findFirstOrThrow({ where: { conversationId: waConv.id, direction: "outbound" } });
  await deliverMeta(
    wa,
    metaStatus({ phoneNumberId: PHONE_ID, recipient: WA_ID, wamid: reply.externalId!, status: "delivered" }),
    { appSecret: META_SECRET },
  );
  await until(async () => (await t.db.message.findUnique({ where: { id: reply.id } }))?.deliveryStatus === "delivered");
  // Our reply echoed back by Chatwoot (stored, ignored), and the chat opened by a person in Chatwoot.
  await deliverChatwoot(
    cw,
    chatwootMessage({
      conversationId: 801,
      phone: PHONE,
      name: NAME,
      content: "Has dicho: Hola",
      messageType: "outgoing",
    }),
    { secret: CW_SECRET },
  );
  const status = chatwootStatusChanged({ conversationId: 801, from: "pending", to: "open" });
  await deliverChatwoot(cw, status, { secret: CW_SECRET });
  await until(async () => (await t.db.conversation.findUnique({ where: { id: cwConv.id } }))?.mode === "human");
  const statusEvent = await t.db.webhookEvent.findFirstOrThrow({
    where: { source: "chatwoot", rawBody: { contains: "conversation_status_changed" } },
  });
  // An escalation on WhatsApp: the summary quotes the customer.
  await deliverMeta(
    wa,
    metaMessage({
      phoneNumberId: PHONE_ID,
      from: WA_ID,
      name: NAME,
      message: { type: "text", text: "Soy Rosalía, quiero hablar con alguien #persona" },
    }).body,
    { appSecret: META_SECRET },
  );
  await until(async () => (await t.db.conversation.findUnique({ where: { id: waConv.id } }))?.escalationSummary);

  // Another customer, who must be left alone.
  await deliverChatwoot(
    cw,
    chatwootMessage({ conversationId: 802, phone: "+34 699 888 777", name: "Otro Cliente", content: "Buenas" }),
    { secret: CW_SECRET },
  );
  const other = await until(() => t.db.conversation.findFirst({ where: { channel: "chatwoot", externalId: "802" } }));
  await until(async () => (await t.db.message.count({ where: { conversationId: other.id } })) === 2);

  // Staff notes on the profile.
  const c0 = await t.db.customer.findUniqueOrThrow({ where: { id: cwConv.customerId } });
  await manager().customers.update({ customerId: c0.id, version: c0.version, notes: NOTES, marketingConsent: true });

  // Bookings at another location: a completed one for a guest with a paid, partly refunded deposit;
  // one cancelled with a reason naming her; one still to come.
  const booking = (startsAt: string, data: Record<string, unknown>) => {
    const start = new Date(startsAt);
    const end = new Date(start.getTime() + 85 * 60_000);
    return t.db.booking.create({
      data: {
        locationId: salon.locationId,
        customerId: c0.id,
        source: "whatsapp",
        startsAt: start,
        endsAt: end,
        totalPriceCents: 5000,
        depositCents: 1000,
        currency: "EUR",
        status: "completed",
        items: {
          create: [
            {
              position: 0,
              serviceId: salon.services.colour,
              staffId: salon.staff.laura,
              startsAt: start,
              endsAt: end,
              durationMinutes: 30,
              processingMinutes: 35,
              finishingMinutes: 20,
              priceCents: 5000,
            },
          ],
        },
        ...data,
      },
    });
  };
  const done = await booking("2026-01-15T10:00:00Z", {
    guestNameCipher: t.fc.encrypt(GUEST),
    notes: "Viene con su hija Carmen",
    conversationId: waConv.id,
    payments: {
      create: [
        {
          amountCents: 1000,
          currency: "EUR",
          status: "partially_refunded",
          checkoutSessionId: "cs_test_rosa1",
          paymentIntentId: "pi_rosa1",
          paidAt: new Date("2026-01-10T10:00:00Z"),
          refunds: {
            create: [
              {
                amountCents: 400,
                status: "succeeded",
                idempotencyKey: "refund-rosa-1",
                reason: "Rosalía pidió devolución",
              },
            ],
          },
        },
      ],
    },
  });
  const cancelled = await booking("2026-02-01T10:00:00Z", {
    status: "cancelled",
    cancelledAt: new Date("2026-01-30T10:00:00Z"),
    cancelledBy: "staff",
    cancelReason: "Rosalía está enferma",
  });
  const future = await booking(new Date(Date.now() + 7 * 86_400_000).toISOString(), { status: "confirmed" });
  await t.db.$transaction(async (tx) => {
    await appendAudit(
      tx,
      { type: "staff", id: h.staff.b.id },
      {
        action: "booking.cancelled",
        entityType: "booking",
        entityId: cancelled.id,
        locationId: salon.locationId,
        data: { from: "confirmed", to: "cancelled", reason: "Rosalía está enferma" },
      },
    );
    await appendChange(tx, {
      entityType: "booking",
      entityId: cancelled.id,
      op: "upsert",
      locationId: salon.locationId,
      data: { version: 1 },
    });
  });

  // The assistant's durable transcript and tool-call ledger for the WhatsApp chat.
  await t.db.agentTurn.create({
    data: {
      conversationId: waConv.id,
      mode: "claude",
      status: "completed",
      transcript: [
        { role: "user", content: [{ type: "text", text: "Soy Rosalía Quintanilla, +34 611 222 333" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_rosa", name: "set_customer_name" }] },
      ],
      toolCalls: {
        create: [
          {
            toolUseId: "toolu_rosa",
            name: "set_customer_name",
            input: { name: NAME },
            result: { ok: true, name: NAME, phone: E164 },
          },
        ],
      },
    },
  });
  // Stripe's event for her deposit (Checkout collected her e-mail), and one about someone else.
  await t.db.webhookEvent.create({
    data: {
      source: "stripe",
      dedupKey: "evt_rosa1",
      headers: { "stripe-signature": "t=1,v1=x" },
      rawBody: JSON.stringify({
        id: "evt_rosa1",
        type: "checkout.session.completed",
        data: { object: { id: "cs_test_rosa1", customer_details: { email: EMAIL, name: NAME } } },
      }),
      status: "processed",
    },
  });
  // Issue #21: a colour formula with notes and an after photo, recorded on the completed visit.
  const salonManager = callerFor(h.services, {
    staffId: salon.managerId,
    role: "manager",
    locationId: salon.locationId,
  });
  const formulaRecord = await salonManager.treatments.record({
    customerId: c0.id,
    bookingId: done.id,
    formula: { products: [{ brand: "Koleston", shade: "7/1", amount: 30, unit: "g" }], proportions: "1:1" },
    notes: "Prefiere a Laura los sábados; nada de amoniaco",
  });
  const afterPhoto = await sharp({ create: { width: 40, height: 30, channels: 3, background: "#a05030" } })
    .jpeg()
    .toBuffer();
  await salonManager.treatments.addPhoto({
    recordId: formulaRecord.id,
    kind: "after",
    dataBase64: afterPhoto.toString("base64"),
  });
  const unrelated = await t.db.webhookEvent.create({
    data: {
      source: "stripe",
      dedupKey: "evt_other",
      headers: {},
      rawBody: JSON.stringify({ id: "evt_other", data: { object: { id: "cs_test_other" } } }),
      status: "processed",
    },
  });
  return {
    customerId: c0.id,
    chatwootConversationId: cwConv.id,
    metaConversationId: waConv.id,
    statusEventId: statusEvent.id,
    mediaPaths,
    voice,
    photo,
    bookings: { done: done.id, cancelled: cancelled.id, future: future.id },
    otherCustomerId: other.customerId,
    otherConversationId: other.id,
    unrelatedStripeEventId: unrelated.id,
  };
}

describe("customers.export and customers.erase", () => {
  it("seeds a customer through the real webhook path", async () => {
    seeded = await seed();
    const dump = (await dumpDatabase()).map((r) => r.json).join("\n");
    // The search below is only meaningful if the data really was there in clear somewhere.
    for (const needle of [WA_ID, "Rosalía", "Quintanilla", "Carmen", "enferma", EMAIL, "devolución"]) {
      expect(dump.toLowerCase()).toContain(needle.toLowerCase());
    }
    for (const p of seeded.mediaPaths) expect(existsSync(p)).toBe(true);
  });

  it("export: everything about the person as JSON, audited without personal data; managers only", async () => {
    expect(await codeOf(desk().customers.export({ customerId: seeded.customerId }))).toMatchObject({
      code: "FORBIDDEN",
    });
    const doc = await manager().customers.export({ customerId: seeded.customerId });
    expect(doc).toMatchObject({
      format: "cita.customer-export/v1",
      customer: { id: seeded.customerId, phone: E164, name: NAME, notes: NOTES, erased: false, mergedRecords: [] },
      consent: { marketingConsent: true, consentAt: expect.any(String) },
    });
    expect(doc.bookings.map((b) => b.id)).toEqual([
      seeded.bookings.done,
      seeded.bookings.cancelled,
      seeded.bookings.future,
    ]);
    expect(doc.bookings[0]).toMatchObject({
      location: "Test Salon",
      status: "completed",
      guestName: GUEST,
      notes: "Viene con su hija Carmen",
      totalPriceCents: 5000,
      depositCents: 1000,
      items: [{ serviceNameEs: "Tinte", staffName: "Laura", priceCents: 5000 }],
      payments: [
        {
          amountCents: 1000,
          status: "partially_refunded",
          refunds: [{ amountCents: 400, status: "succeeded", reason: "Rosalía pidió devolución" }],
        },
      ],
    });
    expect(doc.bookings[1]).toMatchObject({ status: "cancelled", cancelReason: "Rosalía está enferma" });
    const byChannel = new Map(doc.conversations.map((c) => [c.channel, c]));
    const cwMsgs = byChannel.get("chatwoot")!.messages;
    expect(cwMsgs[0]).toMatchObject({
      direction: "inbound",
      author: "customer",
      kind: "audio",
      body: "Hola, soy Rosalía Quintanilla, mi móvil es 611 222 333",
      attachments: [{ type: "audio", mimeType: "audio/ogg", dataBase64: seeded.voice.toString("base64") }],
    });
    expect(cwMsgs.some((m) => m.direction === "outbound" && m.body?.startsWith("Has dicho:"))).toBe(true);
    const waMsgs = byChannel.get("whatsapp_cloud")!.messages;
    expect(waMsgs[0]!.attachments[0]).toMatchObject({ type: "image", dataBase64: seeded.photo.toString("base64") });
    expect(waMsgs.map((m) => m.body)).toContain("Soy Rosalía, quiero hablar con alguien #persona");
    const actions = doc.audit.map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "conversation.started",
        "conversation.message_received",
        "conversation.escalated",
        "customer.update",
        "booking.cancelled",
      ]),
    );
    expect(doc.treatments).toMatchObject([
      {
        bookingId: seeded.bookings.done,
        notes: "Prefiere a Laura los sábados; nada de amoniaco",
        formula: { products: [{ brand: "Koleston", shade: "7/1" }] },
        photos: [{ kind: "after", dataBase64: expect.any(String) }],
      },
    ]);
    // The other customer's chat is not in it.
    expect(JSON.stringify(doc)).not.toContain("Otro Cliente");
    expect(JSON.stringify(doc)).not.toContain(seeded.otherConversationId);

    const audit = await t.db.auditLog.findFirstOrThrow({ where: { action: "customer.export" } });
    expect(audit).toMatchObject({ actorType: "staff", actorId: h.staff.b.id, entityId: seeded.customerId });
    expect(audit.data).toEqual({
      bookings: 3,
      conversations: 2,
      messages: cwMsgs.length + waMsgs.length,
      auditEntries: doc.audit.length,
    });
  });

  it("erase: refused to the front desk, without confirmation, and while a booking is still to come", async () => {
    expect(await codeOf(desk().customers.erase({ customerId: seeded.customerId, confirm: true }))).toMatchObject({
      code: "FORBIDDEN",
    });
    expect(
      await codeOf(manager().customers.erase({ customerId: seeded.customerId, confirm: false as unknown as true })),
    ).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^confirm: Confirm the erasure/) });
    const refused = await codeOf(manager().customers.erase({ customerId: seeded.customerId, confirm: true }));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toMatch(
      /^This customer has an upcoming booking: \d{4}-\d\d-\d\d \d\d:\d\d \(Test Salon, confirmed\)\. Cancel it first/,
    );
    expect(await t.db.auditLog.count({ where: { action: "customer.erase" } })).toBe(0);
    expect((await t.db.customer.findUniqueOrThrow({ where: { id: seeded.customerId } })).erasedAt).toBeNull();
  });

  it("erase: nothing of the person is left in any table or in the media directory; figures stay", async () => {
    // The manager cancels the upcoming visit first (as the refusal asked).
    await t.db.booking.update({
      where: { id: seeded.bookings.future },
      data: { status: "cancelled", cancelledAt: new Date(), cancelledBy: "staff", cancelReason: "Rosalía se muda" },
    });
    const before = await t.db.customer.findUniqueOrThrow({ where: { id: seeded.customerId } });
    const guestCipher = (await t.db.booking.findUniqueOrThrow({ where: { id: seeded.bookings.done } })).guestNameCipher;
    const ciphers = [before.phoneCipher, before.phoneHash, before.nameCipher, before.notesCipher, guestCipher].map(hex);
    expect(ciphers.every(Boolean)).toBe(true);
    const bookingsBefore = await t.db.booking.findMany({
      where: { customerId: seeded.customerId },
      include: { items: true, payments: { include: { refunds: true } } },
      orderBy: { startsAt: "asc" },
    });
    const head = (await t.db.changeLog.aggregate({ _max: { version: true } }))._max.version!;

    const r = await manager().customers.erase({
      customerId: seeded.customerId,
      confirm: true,
      version: before.version,
    });
    expect(r).toMatchObject({
      customerId: seeded.customerId,
      bookings: 3,
      conversations: 2,
      mediaFiles: 3, // the voice note, the photo, and the treatment's photo (#21)
      mergedRecords: 0,
    });
    // Two inbound messages with their replies, and the one that asked for a person.
    expect(r.messages).toBe(5);
    // Chatwoot: the voice note, our echoed reply, the status change; Meta: two messages and a
    // delivery status; Stripe: the deposit's event.
    expect(r.webhookEvents).toBe(7);
    expect(r.auditEntriesRedacted).toBeGreaterThan(0);

    // 1. No plaintext anywhere in the database (every schema), and none of the ciphertexts either.
    const rows = await dumpDatabase();
    const tables = new Set(rows.map((row) => row.table));
    for (const table of ["public.audit_log", "public.change_log", "public.webhook_event", "public.booking"]) {
      expect(tables).toContain(table);
    }
    expect([...tables].some((x) => x.startsWith("pgboss."))).toBe(true); // job payloads are searched too
    const hits = rows.filter((row) => {
      const j = row.json.toLowerCase();
      return NEEDLES.some((n) => j.includes(n.toLowerCase())) || ciphers.some((c) => j.includes(c!));
    });
    expect(hits).toEqual([]);
    // 2. No media files.
    for (const p of seeded.mediaPaths) expect(existsSync(p)).toBe(false);
    expect(readdirSync(join(h.dataDir, "media"))).toEqual([]);
    expect(readdirSync(join(h.dataDir, "treatments"))).toEqual([]);
    expect(await t.db.treatmentRecord.count({ where: { customerId: seeded.customerId } })).toBe(0);

    // 3. The customer row is anonymised; the blind index is gone.
    const after = await t.db.customer.findUniqueOrThrow({ where: { id: seeded.customerId } });
    expect(after).toMatchObject({
      phoneCipher: null,
      phoneHash: null,
      nameCipher: null,
      notesCipher: null,
      marketingConsent: false,
      consentAt: null,
      version: before.version + 1,
    });
    expect(after.erasedAt).not.toBeNull();
    expect(await manager().customers.get({ customerId: seeded.customerId })).toMatchObject({
      customer: { erased: true, name: null, phone: null, notes: null },
    });

    // 4. Bookings keep every figure (status, times, prices, deposit, services, stylists, payments).
    const bookingsAfter = await t.db.booking.findMany({
      where: { customerId: seeded.customerId },
      include: { items: true, payments: { include: { refunds: true } } },
      orderBy: { startsAt: "asc" },
    });
    const figures = (bs: typeof bookingsBefore) =>
      bs.map((b) => ({
        id: b.id,
        status: b.status,
        startsAt: b.startsAt,
        endsAt: b.endsAt,
        total: b.totalPriceCents,
        deposit: b.depositCents,
        cancelledAt: b.cancelledAt,
        cancelledBy: b.cancelledBy,
        items: b.items.map((i) => [i.serviceId, i.staffId, i.startsAt, i.endsAt, i.priceCents]),
        payments: b.payments.map((p) => [
          p.amountCents,
          p.status,
          p.paidAt,
          p.refunds.map((x) => [x.amountCents, x.status]),
        ]),
      }));
    expect(figures(bookingsAfter)).toEqual(figures(bookingsBefore));
    for (const b of bookingsAfter) {
      expect(b).toMatchObject({ guestNameCipher: null, notes: null, cancelReason: null, conversationId: null });
    }

    // 5. Chats gone (messages, outbox, turns, tool calls with them); the other customer's untouched.
    expect(await t.db.conversation.count({ where: { customerId: seeded.customerId } })).toBe(0);
    expect(await t.db.agentTurn.count({ where: { conversationId: seeded.metaConversationId } })).toBe(0);
    expect(await t.db.toolCall.count({ where: { toolUseId: "toolu_rosa" } })).toBe(0);
    expect(await t.db.message.count({ where: { conversationId: seeded.otherConversationId } })).toBe(2);
    expect(
      (await t.db.customer.findUniqueOrThrow({ where: { id: seeded.otherCustomerId } })).nameCipher,
    ).not.toBeNull();
    // Deliveries keep their row (dedup, counts) but not their body; another payment's event is untouched.
    expect(await t.db.webhookEvent.findUniqueOrThrow({ where: { id: seeded.statusEventId } })).toMatchObject({
      rawBody: '{"erased":true}',
      headers: {},
    });
    expect(
      (await t.db.webhookEvent.findUniqueOrThrow({ where: { id: seeded.unrelatedStripeEventId } })).rawBody,
    ).toContain("cs_test_other");

    // 6. The audit entry: who, what, counts; no personal data.
    const audit = await t.db.auditLog.findMany({ where: { action: "customer.erase" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actorType: "staff",
      actorId: h.staff.b.id,
      entityType: "customer",
      entityId: seeded.customerId,
    });
    expect(audit[0]!.data).toMatchObject({
      bookings: 3,
      conversations: 2,
      mediaFiles: 3,
      treatmentRecords: 1,
      webhookEvents: 7,
    });
    // The redacted cancellation entry is still there, with its figures and without the reason.
    const cancelAudit = await t.db.auditLog.findFirstOrThrow({
      where: { action: "booking.cancelled", entityId: seeded.bookings.cancelled },
    });
    expect(cancelAudit.data).toEqual({ from: "confirmed", to: "cancelled", reason: "[erased]" });

    // 7. What consoles and the offline replica receive: the customer as an anonymised upsert, the
    //    bookings as upserts, the chats as tombstones.
    const changes = await t.db.changeLog.findMany({ where: { version: { gt: head } }, orderBy: { version: "asc" } });
    const ours = [seeded.chatwootConversationId, seeded.metaConversationId];
    expect(changes.filter((c) => ours.includes(c.entityId)).map((c) => [c.entityId, c.op])).toEqual(
      [...ours].sort().map((id) => [id, "delete"]),
    );
    const sync = await syncChanges(t.db, t.fc, { cursor: head, limit: 100 });
    expect(sync.changes.find((c) => c.entityId === seeded.customerId)).toMatchObject({
      op: "upsert",
      row: { erased: true, name: null, phone: null, notes: null },
    });
    expect(sync.changes.filter((c) => c.entityType === "booking").map((c) => c.op)).toEqual([
      "upsert",
      "upsert",
      "upsert",
    ]);

    // 8. Erasing twice is refused; a new message from the same number is a new customer.
    expect(await codeOf(manager().customers.erase({ customerId: seeded.customerId, confirm: true }))).toMatchObject({
      code: "PRECONDITION_FAILED",
    });
    await deliverMeta(
      wa,
      metaMessage({ phoneNumberId: PHONE_ID, from: WA_ID, message: { type: "text", text: "Hola de nuevo" } }).body,
      { appSecret: META_SECRET },
    );
    const fresh = await until(() =>
      t.db.conversation.findFirst({ where: { channel: "whatsapp_cloud", externalId: WA_ID } }),
    );
    expect(fresh.customerId).not.toBe(seeded.customerId);
  });
});
