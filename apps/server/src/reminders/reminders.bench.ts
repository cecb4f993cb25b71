// 2,000 reminders due at the same minute, on a real server (startApp: the reminder workers, the
// outbox notifier, the outbox workers, a fake Chatwoot): confirmed visits of 2,000 customers, each
// with an open WhatsApp window in its Chatwoot conversation, their 24-hour reminder jobs planned
// ahead (pg-boss bulk insert, due at one instant T). Figure: seconds from T until the fake Chatwoot
// has received the last of them. Baseline: one reminder due alone, same server, same path.
// (Bookings are written without segments: reminders read the booking and its items only.)

import type PgBoss from "pg-boss";
import {
  benchPostgres,
  firstReplies,
  processLoad,
  type ReplyServer,
  startReplyServer,
  waitFor,
} from "../../../../bench/helpers/chat-server.ts";
import { type Benchmark, summarize } from "../../../../bench/lib.ts";
import { createDb, type Db } from "../db/client.ts";
import { bulkInserter } from "../testing/bulk-jobs.ts";
import { REMINDER_QUEUE, type ReminderJob } from "./reminders.ts";

const COUNT = 2_000;
/** How far ahead of T the visits and jobs are written (all of it must be in place before T). */
const LEAD_MS = 25_000;
const CAP_MS = 150_000;

let nextExternal = 820_000;

interface Salon {
  locationId: string;
  serviceId: string;
  staffId: string;
  offsetMinutes: number;
}

async function salonOf(db: Db): Promise<Salon> {
  const [row] = await db.$queryRaw<Salon[]>`
    SELECT l.id::text AS "locationId", s.id::text AS "serviceId", st.id::text AS "staffId",
           (SELECT max(m) FROM unnest(l.reminder_offsets_minutes) m)::int AS "offsetMinutes"
      FROM location l
      JOIN service s ON s.location_id = l.id
      JOIN staff_member st ON st.location_id = l.id
     ORDER BY l.created_at, s.created_at, st.created_at LIMIT 1`;
  if (!row?.offsetMinutes) throw new Error("the demo salon has no reminders configured");
  return row;
}

/**
 * Customers, Chatwoot conversations (the customer wrote an hour ago: the window is open), confirmed
 * visits starting `offset` after `due`, and their reminder jobs due at `due`. Returns the conversations' display ids.
 */
async function planVisits(db: Db, boss: PgBoss, salon: Salon, n: number, due: Date): Promise<number[]> {
  const startsAt = new Date(due.getTime() + salon.offsetMinutes * 60_000);
  const endsAt = new Date(startsAt.getTime() + 30 * 60_000);
  const externals = Array.from({ length: n }, () => nextExternal++);
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `WITH ext AS (SELECT e::text AS external_id FROM unnest($1::int[]) e),
          cust AS (INSERT INTO customer (id, language, updated_at)
                   SELECT gen_random_uuid(), 'es', now() FROM ext RETURNING id),
          pairs AS (SELECT c.id AS customer_id, e.external_id
                      FROM (SELECT id, row_number() OVER () AS k FROM cust) c
                      JOIN (SELECT external_id, row_number() OVER () AS k FROM ext) e USING (k)),
          conv AS (INSERT INTO conversation (id, customer_id, channel, channel_account, external_id, mode, last_customer_message_at, updated_at)
                   SELECT gen_random_uuid(), customer_id, 'chatwoot', '3', external_id, 'bot', now() - interval '1 hour', now() FROM pairs
                   RETURNING id, customer_id),
          book AS (INSERT INTO booking (id, location_id, customer_id, status, source, starts_at, ends_at, total_price_cents, currency, conversation_id, updated_at)
                   SELECT gen_random_uuid(), $2::uuid, customer_id, 'confirmed', 'whatsapp', $3, $4, 2000, 'EUR', id, now() FROM conv
                   RETURNING id),
          item AS (INSERT INTO booking_item (id, booking_id, position, service_id, staff_id, starts_at, ends_at, duration_minutes, price_cents)
                   SELECT gen_random_uuid(), id, 0, $5::uuid, $6::uuid, $3, $4, 30, 2000 FROM book)
     SELECT id::text FROM book`,
    externals,
    salon.locationId,
    startsAt,
    endsAt,
    salon.serviceId,
    salon.staffId,
  );
  const kind = `reminder_${salon.offsetMinutes}m`;
  for (let i = 0; i < rows.length; i += 1000) {
    await boss.insert(
      rows.slice(i, i + 1000).map((b) => ({
        name: REMINDER_QUEUE,
        data: {
          bookingId: b.id,
          kind,
          startsAt: startsAt.toISOString(),
          dueAt: due.toISOString(),
        } satisfies ReminderJob,
        startAfter: due.toISOString(),
        singletonKey: `${kind}:${b.id}`,
      })) as never,
    );
  }
  return externals;
}

/** Waits until the fake has a message for every conversation; returns the receipt instants. */
async function received(server: ReplyServer, externals: number[], ms: number): Promise<number[]> {
  const got = () => {
    const first = firstReplies(server.chatwoot);
    return externals.map((e) => first.get(e)).filter((x): x is number => x !== undefined);
  };
  await waitFor(
    `${externals.length} reminders at the fake Chatwoot`,
    () => got().length === externals.length,
    ms,
  ).catch(() => {});
  return got();
}

export const benchmarks: Benchmark[] = [
  {
    name: "reminders due at once",
    async run() {
      const pg = await benchPostgres();
      try {
        const url = await pg.database("cita_bench_reminders");
        const server = await startReplyServer(url);
        const db = createDb(url, { max: 4 });
        const boss = await bulkInserter(url);
        try {
          const salon = await salonOf(db);
          // Baseline: one reminder due alone.
          const due1 = new Date(Date.now() + 3_000);
          const lone = await planVisits(db, boss, salon, 1, due1);
          const [loneAt] = await received(server, lone, 30_000);
          if (loneAt === undefined) throw new Error("the lone reminder never arrived");
          const loneS = (loneAt - due1.getTime()) / 1000;

          // 2,000 due at T.
          const due = new Date(Date.now() + LEAD_MS);
          const w0 = Date.now();
          const externals = await planVisits(db, boss, salon, COUNT, due);
          const writeMs = Date.now() - w0;
          if (Date.now() > due.getTime() - 2_000) throw new Error(`planning took ${writeMs} ms: raise LEAD_MS`);
          await new Promise((r) => setTimeout(r, due.getTime() - Date.now()));
          const load = processLoad();
          const at = await received(server, externals, CAP_MS);
          const loadText = load();
          const last = Math.max(...at);
          const [st] = await db.$queryRaw<
            { jobFirst: Date; jobLast: Date; jobsDone: number; jobMs: number; outboxLast: Date; outbox: number }[]
          >`
            SELECT min(j.started_on) AS "jobFirst", max(j.started_on) AS "jobLast",
                   count(*) FILTER (WHERE j.state = 'completed')::int AS "jobsDone",
                   (avg(extract(epoch FROM j.completed_on - j.started_on)) * 1000)::float8 AS "jobMs",
                   (SELECT max(o.created_at) FROM outbox_message o WHERE o.created_at >= ${due}) AS "outboxLast",
                   (SELECT count(*)::int FROM outbox_message o WHERE o.created_at >= ${due}) AS outbox
              FROM pgboss.job j WHERE j.name = ${REMINDER_QUEUE} AND j.start_after = ${due}`;
          const rel = (d: Date | null | undefined) => (d ? ((d.getTime() - due.getTime()) / 1000).toFixed(1) : "?");
          const q = summarize(at.map((x) => (x - due.getTime()) / 1000));
          const complete = at.length === COUNT;
          return [
            {
              name: `${COUNT} reminders due at once: seconds until the last is received`,
              value: complete ? (last - due.getTime()) / 1000 : Number.POSITIVE_INFINITY,
              unit: "s",
              baseline: { name: "one reminder due alone", value: loneS },
              target: { max: 60 },
              note: [
                `${at.length}/${COUNT} received${complete ? "" : ` within ${CAP_MS / 1000} s`}; received p50 ${q.p50.toFixed(1)} s, p95 ${q.p95.toFixed(1)} s after T`,
                `reminder jobs started ${rel(st?.jobFirst)} → ${rel(st?.jobLast)} s after T, ${st?.jobsDone} completed, ${Math.round(st?.jobMs ?? 0)} ms each on average`,
                `last outbox row written ${rel(st?.outboxLast)} s after T (${st?.outbox} rows)`,
                `${(COUNT / Math.max(0.001, (last - due.getTime()) / 1000)).toFixed(0)} reminders/s end to end; visits + jobs written in ${writeMs} ms beforehand`,
                loadText,
              ].join("; "),
            },
          ];
        } finally {
          await boss.stop({ graceful: false, wait: true });
          await db.$disconnect();
          await server.stop();
        }
      } finally {
        await pg.stop();
      }
    },
  },
];
