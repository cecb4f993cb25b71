// Several instances of Cita on one PostgreSQL, as separate processes (apps/server/src/main.ts, both
// with DATABASE_URL): a console on each sees the other's changes live; 100 racing bookings split
// over both give one winner; holds expire and the per-minute sweeps run once; WhatsApp deliveries
// alternating between the two are processed once, answered in order; then one instance is killed
// with SIGKILL in the middle of traffic and the other takes over its leases and jobs once they
// expire: every delivery that got a 200 is stored once and answered once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeMeta } from "../apps/server/src/channels/fakes/fake-meta.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import {
  countsByPhone,
  deliver,
  type Instance,
  killHard,
  login,
  mutate,
  openChangeStream,
  query,
  removeInstance,
  repliesTo,
  sharedEnv,
  sql,
  startFakeMeta,
  startInstance,
  TAKEOVER_SECONDS,
  until,
  whatsappText,
  workersRunning,
} from "./instances-support.ts";

const TZ = "Europe/Madrid";
const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(ms);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

interface Slot {
  start: string;
  items: { serviceId: string; staffId: string }[];
}

describe("two Cita instances on one PostgreSQL", () => {
  let t: TestDatabase;
  let meta: FakeMeta;
  let a: Instance;
  let b: Instance;
  let tokenA = "";
  let tokenB = "";
  let customers: string[] = [];
  let serviceId = "";
  let slots: Slot[] = [];
  const holds: string[] = [];
  /** Bookings whose one reminder falls due during the run, and their customers' phones. */
  const reminded: { bookingId: string; phone: string; repliesBefore: number }[] = [];
  const started = Date.now();

  beforeAll(async () => {
    t = await createTestDatabase();
    meta = await startFakeMeta();
    // Agent turns take 3 s (the wait for the customer to pause) and each instance runs 4 at a time:
    // a burst of customers is shared by both, and an instance killed mid-burst dies holding leases.
    const env = { ...sharedEnv(t.url, meta.url), TURN_QUIET_MS: "3000", TURN_CONCURRENCY: "4" };
    // The first start seeds the demo salon; the second finds it there.
    a = await startInstance("a", { ...env, CITA_SEED_DEMO: "true" });
    b = await startInstance("b", { ...env, CITA_SEED_DEMO: "false" });
    await workersRunning(t.url);
    console.log(`two instances ready in ${Date.now() - started} ms`);
    [tokenA, tokenB] = await Promise.all([login(a.url), login(b.url)]);
    customers = (await sql<{ id: string }>(t.url, "SELECT id::text FROM customer ORDER BY created_at LIMIT 5")).map(
      (r) => r.id,
    );
    serviceId = (await sql<{ id: string }>(t.url, "SELECT id::text FROM service WHERE slug = 'corte-hombre'"))[0]!.id;
    // Free men's cuts a few days ahead, as the console offers them.
    const day = addDays(localDate(Date.now()), 3);
    for (let d = 0; d < 10 && apartCount() < 12; d++) {
      const date = addDays(day, d);
      slots = slots.concat(
        await query<Slot[]>(a.url, tokenA, "availability.search", {
          items: [{ serviceId, staffId: null }],
          fromDate: date,
          toDate: date,
        }),
      );
    }
    expect(apartCount()).toBeGreaterThanOrEqual(12);
  }, 240_000);

  afterAll(async () => {
    await removeInstance(a);
    await removeInstance(b);
    await meta?.stop();
    await t?.drop();
  });

  const apartCount = () => apart(100, 0).length;
  /** Slots at least an hour apart (none of them can overlap another, whoever the stylist). */
  const apart = (n: number, skip: number) => {
    const out: Slot[] = [];
    for (const s of [...slots].sort((x, y) => Date.parse(x.start) - Date.parse(y.start))) {
      const last = out.at(-1);
      if (!last || Date.parse(s.start) >= Date.parse(last.start) + 3_600_000) out.push(s);
    }
    return out.slice(skip, skip + n);
  };

  it("holds made on either instance expire once, by whichever instance's worker is free", async () => {
    // One-minute holds, made now: they expire while the next tests run, and are checked at the end.
    await sql(t.url, "UPDATE location SET hold_minutes = 1");
    const picks = apart(6, 0);
    for (const [i, s] of picks.entries()) {
      const [url, token] = i % 2 ? [b.url, tokenB] : [a.url, tokenA];
      const r = await mutate(url, token, "bookings.create", {
        customerId: customers[i % customers.length],
        startsAt: s.start,
        items: s.items.map((x) => ({ serviceId: x.serviceId, staffId: x.staffId })),
        mode: "hold",
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const booking = (r.body as { result: { data: { id: string; status: string } } }).result.data;
      expect(booking.status).toMatch(/held|pending_deposit/);
      holds.push(booking.id);
    }
  });

  it("a console on each instance sees the other's changes live", async () => {
    const onA = openChangeStream(a.url, tokenA);
    const onB = openChangeStream(b.url, tokenB);
    try {
      await until("both streams connected", async () => onA.connections > 0 && onB.connections > 0, 10_000);
      const [s1, s2] = apart(2, 6);
      const book = async (url: string, token: string, s: Slot, customer: string) => {
        const r = await mutate(url, token, "bookings.create", {
          customerId: customer,
          startsAt: s.start,
          items: s.items.map((x) => ({ serviceId: x.serviceId, staffId: x.staffId })),
        });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        return (r.body as { result: { data: { id: string } } }).result.data.id;
      };
      const t0 = Date.now();
      const onBId = await book(b.url, tokenB, s1!, customers[0]!);
      await onA.waitFor((e) => e.data.entityId === onBId, 5_000);
      const seenOnA = Date.now() - t0;
      const t1 = Date.now();
      const onAId = await book(a.url, tokenA, s2!, customers[1]!);
      await onB.waitFor((e) => e.data.entityId === onAId, 5_000);
      const seenOnB = Date.now() - t1;
      console.log(`booking made on B seen on A's stream in ${seenOnA} ms; made on A seen on B's in ${seenOnB} ms`);
      // Both streams carry the same versions in the same order (one change log).
      await onB.waitFor((e) => e.data.entityId === onBId);
      await onA.waitFor((e) => e.data.entityId === onAId);
      const versions = (s: typeof onA) =>
        s.events.filter((e) => [onAId, onBId].includes(e.data.entityId)).map((e) => e.id);
      expect(versions(onA)).toEqual(versions(onB));
    } finally {
      onA.close();
      onB.close();
    }
  });

  it("100 bookings of one slot, 50 on each instance at once: exactly one winner, 99 SLOT_TAKEN", async () => {
    const [slot] = apart(1, 8);
    const input = (i: number) => ({
      customerId: customers[i % customers.length],
      startsAt: slot!.start,
      items: slot!.items.map((x) => ({ serviceId: x.serviceId, staffId: x.staffId })),
    });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 ? mutate(b.url, tokenB, "bookings.create", input(i)) : mutate(a.url, tokenA, "bookings.create", input(i)),
      ),
    );
    const won = results.filter((r) => r.status === 200);
    const taken = results.filter((r) => r.status === 409 && JSON.stringify(r.body).includes("SLOT_TAKEN"));
    expect(won).toHaveLength(1);
    expect(taken).toHaveLength(99);
    const rows = await sql<{ n: number }>(
      t.url,
      `SELECT count(*)::int AS n FROM booking b JOIN booking_item i ON i.booking_id = b.id
        WHERE b.starts_at = $1 AND i.staff_id = $2 AND b.status NOT IN ('cancelled', 'expired')`,
      [slot!.start, slot!.items[0]!.staffId],
    );
    expect(rows[0]!.n).toBe(1);
  });

  /**
   * Customers each write `turns` messages, every one answered before the next: message k goes to
   * instance A or B alternately. Returns each customer's phone and message ids.
   */
  async function converse(prefix: string, people: number, turns: number) {
    const phones = Array.from({ length: people }, (_, i) => `3460${prefix}${String(i).padStart(4, "0")}`);
    await Promise.all(
      phones.map(async (phone, c) => {
        for (let k = 0; k < turns; k++) {
          const target = (k + c) % 2 ? b : a;
          const before = repliesTo(meta, phone).length;
          const status = await deliver(target.url, whatsappText(phone, "hola", `wamid.${phone}.${k}`));
          expect(status).toBe(200);
          await until(`reply ${k} to ${phone}`, async () => repliesTo(meta, phone).length > before, 20_000);
          // Every reply of this turn is out before the customer writes again.
          await until(`turn ${k} of ${phone} settled`, async () => {
            const [r] = await sql<{ pending: number }>(
              t.url,
              `SELECT count(*)::int AS pending FROM outbox_message o JOIN conversation c ON c.id = o.conversation_id
                WHERE c.external_id = $1 AND o.status <> 'sent'`,
              [phone],
            );
            return r!.pending === 0;
          });
        }
      }),
    );
    return phones;
  }

  it("webhooks delivered alternately to both are processed once; each conversation's replies in order", async () => {
    const people = 6;
    const turns = 4;
    const t0 = Date.now();
    const phones = await converse("1", people, turns);
    console.log(`${people} customers × ${turns} messages alternating over A and B answered in ${Date.now() - t0} ms`);
    const counts = await countsByPhone(t.url);
    for (const phone of phones) {
      const c = counts.get(phone)!;
      expect(c, phone).toMatchObject({ inbound: turns, answered: turns, turns });
      // What the fake WhatsApp received is exactly what was written, once each.
      expect(repliesTo(meta, phone)).toHaveLength(c.outbound);
      expect(c.sent).toBe(c.outbound);
      expect(c.outbound).toBeGreaterThanOrEqual(turns);
      // In order: the fake numbers its messages as they arrive (wamid.FAKE000001…), the outbox rows in
      // the order they were written (seq); both orders agree.
      const sent = await sql<{ external_id: string }>(
        t.url,
        `SELECT o.external_id FROM outbox_message o JOIN conversation c ON c.id = o.conversation_id
          WHERE c.external_id = $1 ORDER BY o.seq`,
        [phone],
      );
      const arrival = sent.map((s) => s.external_id);
      expect(arrival).toEqual([...arrival].sort());
      expect(new Set(arrival).size).toBe(arrival.length);
    }
    const events = await sql<{ status: string; n: number }>(
      t.url,
      `SELECT status::text, count(*)::int AS n FROM webhook_event WHERE dedup_key LIKE '%wamid.34601%' GROUP BY status`,
    );
    expect(events).toEqual([{ status: "processed", n: people * turns }]);
    // Every job so far ran once: none was retried or expired (a job taken twice would have been).
    const retried = await sql<{ name: string; n: number }>(
      t.url,
      "SELECT name, count(*)::int AS n FROM pgboss.job WHERE retry_count > 0 OR state IN ('retry', 'failed') GROUP BY name",
    );
    expect(retried).toEqual([]);

    // These customers each get a visit whose reminder (one, an hour before) falls due in a minute:
    // booked alternately on A and B, sent by whichever instance runs the job, checked at the end.
    await sql(t.url, "UPDATE location SET reminder_offsets_minutes = '{60}', follow_up_minutes = NULL");
    const pairs = await sql<{ staff_id: string; service_id: string }>(
      t.url,
      `SELECT DISTINCT ON (ss.staff_id) ss.staff_id::text, ss.service_id::text FROM staff_service ss
         JOIN service s ON s.id = ss.service_id WHERE s.deposit_rule = 'none'
        ORDER BY ss.staff_id, s.duration_minutes`,
    );
    const startsAt = new Date(Math.ceil((Date.now() + 60 * 60_000 + 20_000) / 60_000) * 60_000).toISOString();
    for (const [i, phone] of phones.entries()) {
      const [{ customer_id }] = (await sql<{ customer_id: string }>(
        t.url,
        "SELECT customer_id::text FROM conversation WHERE external_id = $1",
        [phone],
      )) as [{ customer_id: string }];
      const [url, token] = i % 2 ? [b.url, tokenB] : [a.url, tokenA];
      for (const pair of pairs) {
        const r = await mutate(url, token, "bookings.create", {
          customerId: customer_id,
          startsAt,
          items: [{ serviceId: pair.service_id, staffId: pair.staff_id }],
          allowOutsideHours: true,
          waiveDeposit: true,
        });
        if (r.status !== 200) continue;
        pairs.splice(pairs.indexOf(pair), 1);
        const bookingId = (r.body as { result: { data: { id: string } } }).result.data.id;
        reminded.push({ bookingId, phone, repliesBefore: repliesTo(meta, phone).length });
        break;
      }
    }
    expect(reminded.length).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it("SIGKILL of one instance mid-traffic: the other takes over its leases and jobs; nothing lost", async () => {
    // 24 new customers write once each (one turn each: exact reply counts), half to each instance; B
    // is killed while both run their share of the turns.
    const people = 24;
    const phones = Array.from({ length: people }, (_, i) => `346020${String(i).padStart(4, "0")}`);
    const accepted = new Map<string, string>(); // phone → instance that answered 200
    const body = (phone: string) => whatsappText(phone, "hola", `wamid.${phone}.0`);
    // First wave: all at once, alternating; B's answers are awaited, then B dies at once.
    const wave = await Promise.all(
      phones.slice(0, 16).map(async (phone, i) => {
        const target = i % 2 ? b : a;
        return { phone, target, status: await deliver(target.url, body(phone)) };
      }),
    );
    // Both instances' turn workers are busy (8 leases: 4 turns on each, waiting for the customers to
    // pause), so B dies holding conversation leases and running turn jobs.
    await until(
      "both instances running turns",
      async () =>
        (
          await sql<{ n: number }>(t.url, "SELECT count(*)::int AS n FROM conversation WHERE lease_owner IS NOT NULL")
        )[0]!.n >= 8,
      10_000,
    );
    await killHard(b);
    const killedAt = Date.now();
    for (const w of wave) {
      expect(w.status, w.phone).toBe(200);
      accepted.set(w.phone, w.target.name);
    }
    // B's share of the traffic was still in flight when it died (stored deliveries not yet processed,
    // unanswered messages, a held lease, unsent replies): that is what A must take over.
    const [inFlight] = await sql<{ received: number; unanswered: number; leased: number; unsent: number }>(
      t.url,
      `SELECT (SELECT count(*)::int FROM webhook_event WHERE status = 'received') AS received,
              (SELECT count(*)::int FROM message WHERE direction = 'inbound' AND turn_id IS NULL) AS unanswered,
              (SELECT count(*)::int FROM conversation WHERE lease_owner IS NOT NULL) AS leased,
              (SELECT count(*)::int FROM outbox_message WHERE status <> 'sent') AS unsent`,
    );
    console.log("in flight when B was killed:", inFlight);
    expect(inFlight!.received + inFlight!.unanswered + inFlight!.leased + inFlight!.unsent).toBeGreaterThan(0);
    // Second wave: the load balancer still sends half to B, which refuses the connection; the sender
    // retries those on A (Meta retries a delivery that got no 200).
    for (const [i, phone] of phones.slice(16).entries()) {
      let status = await deliver((i % 2 ? b : a).url, body(phone));
      if (status !== 200) status = await deliver(a.url, body(phone));
      expect(status).toBe(200);
      accepted.set(phone, "a");
    }
    // Everything accepted is answered, by A alone, once its leases and jobs expire.
    const counts = await until(
      "every accepted message answered and its replies sent",
      async () => {
        const c = await countsByPhone(t.url);
        const done = phones.every((p) => {
          const x = c.get(p);
          return x && x.answered === 1 && x.outbound > 0 && x.sent === x.outbound;
        });
        return done && c;
      },
      (TAKEOVER_SECONDS * 3 + 75) * 1000,
    );
    console.log(`after SIGKILL: everything answered ${Date.now() - killedAt} ms later`);
    let inbound = 0;
    let replies = 0;
    for (const phone of phones) {
      const c = counts.get(phone)!;
      expect(c, phone).toMatchObject({ inbound: 1, answered: 1, turns: 1 });
      expect(repliesTo(meta, phone), phone).toHaveLength(c.outbound);
      inbound += c.inbound;
      replies += repliesTo(meta, phone).length;
    }
    expect(inbound).toBe(accepted.size);
    expect(inbound).toBe(people);
    const perTurn = counts.get(phones[0]!)!.outbound;
    expect(replies).toBe(people * perTurn);
    const events = await sql<{ status: string; n: number }>(
      t.url,
      `SELECT status::text, count(*)::int AS n FROM webhook_event WHERE dedup_key LIKE '%wamid.346020%' GROUP BY status`,
    );
    expect(events).toEqual([{ status: "processed", n: people }]);
    const takenOver = await sql<{ name: string; n: number }>(
      t.url,
      "SELECT name, count(*)::int AS n FROM pgboss.job WHERE retry_count > 0 GROUP BY name ORDER BY name",
    );
    console.log("jobs taken over after B died (retried once expired):", takenOver);
    // B died holding turns: their jobs expired and A ran them again, under leases it took over.
    expect(takenOver.find((j) => j.name === "channels-turn")?.n ?? 0).toBeGreaterThan(0);
    const [leases] = await sql<{ n: number }>(
      t.url,
      "SELECT count(*)::int AS n FROM conversation WHERE lease_owner IS NOT NULL",
    );
    expect(leases!.n).toBe(0);
  }, 180_000);

  it("the holds expired once each, and each per-minute sweep ran once a minute across both instances", async () => {
    await until(
      "holds expired",
      async () => {
        const rows = await sql<{ n: number }>(
          t.url,
          "SELECT count(*)::int AS n FROM booking WHERE id = ANY($1::uuid[]) AND status = 'expired'",
          [holds],
        );
        return rows[0]!.n === holds.length;
      },
      60_000,
    );
    console.log(`holds expired by ${Date.now() - started} ms into the file`);
    const audits = await sql<{ entity_id: string; n: number }>(
      t.url,
      `SELECT entity_id, count(*)::int AS n FROM audit_log
        WHERE entity_id = ANY($1::text[]) AND data::text LIKE '%hold expired%' GROUP BY entity_id`,
      [holds],
    );
    expect(audits).toHaveLength(holds.length);
    expect(audits.every((r) => r.n === 1)).toBe(true);
    // Scheduled (cron) jobs: one per queue and minute, though both instances schedule them.
    const perMinute = await sql<{ name: string; minute: string; n: number }>(
      t.url,
      `SELECT name, date_trunc('minute', created_on)::text AS minute, count(*)::int AS n
         FROM (SELECT name, created_on FROM pgboss.job UNION ALL SELECT name, created_on FROM pgboss.archive) j
        WHERE name IN ('holds.sweep', 'reminders.sweep', 'timed.plan', 'channels-sweep')
        GROUP BY 1, 2 ORDER BY 2, 1`,
    );
    console.log(`scheduled runs: ${perMinute.length} (queue, minute) pairs`);
    expect(perMinute.length).toBeGreaterThan(0);
    expect(perMinute.filter((r) => r.n !== 1)).toEqual([]);
    // Each reminder sent once: its ledger row (unique per booking and kind) and exactly one more
    // message at the fake WhatsApp, whichever instance or path (its job, or the sweep catching up
    // under load) sent it; and no reminder job failed or was retried.
    await until(
      "reminders sent",
      async () => {
        const [r] = await sql<{ n: number }>(
          t.url,
          "SELECT count(*)::int AS n FROM reminder_sent WHERE booking_id = ANY($1::uuid[]) AND kind = 'reminder_60m'",
          [reminded.map((x) => x.bookingId)],
        );
        return r!.n === reminded.length && reminded.every((x) => repliesTo(meta, x.phone).length > x.repliesBefore);
      },
      90_000,
    );
    const [troubled] = await sql<{ n: number }>(
      t.url,
      `SELECT count(*)::int AS n
         FROM (SELECT data, state, retry_count FROM pgboss.job WHERE name = 'reminders.send'
               UNION ALL SELECT data, state, retry_count FROM pgboss.archive WHERE name = 'reminders.send') j
        WHERE data->>'bookingId' = ANY($1::text[]) AND (state = 'failed' OR retry_count > 0)`,
      [reminded.map((x) => x.bookingId)],
    );
    console.log(`reminders sent by ${Date.now() - started} ms into the file`);
    expect(troubled!.n).toBe(0);
    // A moment for a late duplicate to show, if there were one.
    await new Promise((r) => setTimeout(r, 2_000));
    for (const x of reminded) expect(repliesTo(meta, x.phone).length, x.phone).toBe(x.repliesBefore + 1);
    console.log(`whole file: ${Date.now() - started} ms`);
  }, 180_000);
});
