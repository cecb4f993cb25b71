// Reminders before a visit and a follow-up after it, as the booking's location sets them (default
// 24 h and 2 h before, follow-up 2 h after). Each is a job planned for one booking id, start and kind
// (`reminder_<minutes>m`, `follow_up`); the handler re-reads the booking and the location's current
// settings, so a moved or cancelled booking gets nothing stale (a move creates a new booking id,
// whose reminders are planned afresh) and a kind the location no longer sends does nothing.
// reminder_sent (booking_id, kind), inserted with the notification, makes a restart or a retry
// unable to send one twice; the sweep sends any that a lost job would have skipped.
import type { Db } from "../db/client.ts";
import { notifyOnce } from "../notifications/once.ts";
import { notifierOf, type PaymentServices } from "../payments/common.ts";
import { toLocal } from "../time/zoned.ts";
import { realStartAfter } from "./timing.ts";

export const REMINDER_QUEUE = "reminders.send";
export const REMINDER_SWEEP_QUEUE = "reminders.sweep";

export interface ReminderSettings {
  /** Minutes before the start; one reminder each. */
  offsetsMinutes: number[];
  /** Minutes after the end for the follow-up; null = none. */
  followUpMinutes: number | null;
}

/** A new location's settings (the columns' defaults). */
export const DEFAULT_REMINDER_SETTINGS: ReminderSettings = { offsetsMinutes: [24 * 60, 120], followUpMinutes: 120 };

/** The location row's columns, as settings. */
export function reminderSettingsOf(loc: {
  reminderOffsetsMinutes: number[];
  followUpMinutes: number | null;
}): ReminderSettings {
  return { offsetsMinutes: loc.reminderOffsetsMinutes, followUpMinutes: loc.followUpMinutes };
}

const SETTINGS_COLUMNS = { reminderOffsetsMinutes: true, followUpMinutes: true } as const;

/** A follow-up older than this is not worth sending any more. */
const FOLLOW_UP_STALE_MS = 2 * 24 * 3_600_000;
const MIN = 60_000;

export interface ReminderJob {
  bookingId: string;
  kind: string;
  /** The booking start the job was planned for. */
  startsAt: string;
  dueAt: string;
}

export interface PlannedReminder {
  kind: string;
  type: "reminder" | "follow_up";
  dueAt: Date;
  offsetMinutes: number;
}

export function remindersFor(b: { startsAt: Date; endsAt: Date }, s: ReminderSettings): PlannedReminder[] {
  const out: PlannedReminder[] = s.offsetsMinutes.map((m) => ({
    kind: `reminder_${m}m`,
    type: "reminder" as const,
    dueAt: new Date(b.startsAt.getTime() - m * MIN),
    offsetMinutes: m,
  }));
  if (s.followUpMinutes !== null) {
    out.push({
      kind: "follow_up",
      type: "follow_up",
      dueAt: new Date(b.endsAt.getTime() + s.followUpMinutes * MIN),
      offsetMinutes: s.followUpMinutes,
    });
  }
  return out;
}

/**
 * Enqueues the booking's future reminders (each fires at its instant; the handler re-checks), as its
 * location sets them; `settings` overrides them (tests), `opts.kinds` plans only those kinds (the
 * planner, after a location added some). A job already waiting for the same kind and instant is not
 * planned again.
 */
export async function planReminders(
  services: PaymentServices,
  bookingId: string,
  settings?: ReminderSettings,
  opts: { kinds?: ReadonlySet<string> } = {},
): Promise<number> {
  if (!services.jobs) return 0;
  const b = await services.db.booking.findUnique({
    where: { id: bookingId },
    select: { id: true, status: true, startsAt: true, endsAt: true, location: { select: SETTINGS_COLUMNS } },
  });
  if (b?.status !== "confirmed") return 0;
  const now = services.clock();
  const wanted = remindersFor(b, settings ?? reminderSettingsOf(b.location)).filter(
    (r) => (!opts.kinds || opts.kinds.has(r.kind)) && (r.dueAt > now || r.type !== "reminder"),
  );
  let n = 0;
  for (const r of wanted) {
    // A job already waiting for the same kind and instant makes this send a no-op (job-queue.ts).
    const id = await services.jobs.send<ReminderJob>(
      REMINDER_QUEUE,
      { bookingId: b.id, kind: r.kind, startsAt: b.startsAt.toISOString(), dueAt: r.dueAt.toISOString() },
      { startAfter: realStartAfter(services.clock, r.dueAt), singletonKey: `${r.kind}:${b.id}` },
    );
    if (id) n++;
  }
  return n;
}

/** `not_configured`: the location no longer sends this kind (its settings changed after planning). */
export type ReminderOutcome = "sent" | "already_sent" | "stale" | "not_configured" | "not_due" | "skipped";

const QUICK_REPLIES = [
  { id: "confirm", es: "Confirmo", en: "I'll be there" },
  { id: "reschedule", es: "Cambiar hora", en: "Reschedule" },
  { id: "cancel", es: "Cancelar", en: "Cancel" },
];

export async function sendReminder(
  services: PaymentServices,
  job: Pick<ReminderJob, "bookingId" | "kind" | "startsAt">,
  settings?: ReminderSettings,
  hooks: { beforeCommit?: () => Promise<void> } = {},
): Promise<ReminderOutcome> {
  const now = services.clock();
  let dueAt: Date | null = null;
  const outcome = await services.db.$transaction(
    async (tx): Promise<ReminderOutcome> => {
      const b = await tx.booking.findUnique({
        where: { id: job.bookingId },
        include: {
          customer: { select: { language: true } },
          location: { select: { name: true, timeZone: true, ...SETTINGS_COLUMNS } },
          items: {
            orderBy: { position: "asc" },
            include: { service: { select: { nameEs: true, nameEn: true } }, staff: { select: { displayName: true } } },
          },
        },
      });
      // Planned for another start (moved) or a booking that no longer exists: nothing to do.
      if (!b || b.startsAt.toISOString() !== job.startsAt) return "stale";
      // The location's settings now, not those the job was planned with: a removed kind does nothing.
      const plan = remindersFor(b, settings ?? reminderSettingsOf(b.location)).find((r) => r.kind === job.kind);
      if (!plan) return "not_configured";
      dueAt = plan.dueAt;
      if (plan.type === "reminder") {
        if (b.status !== "confirmed") return "stale";
        if (now < plan.dueAt) return "not_due";
        // Worth sending during the first half of its lead time (a 2 h reminder until 1 h before):
        // after a long outage, or for a visit booked at short notice, it would only be noise.
        if (now.getTime() >= b.startsAt.getTime() - (plan.offsetMinutes * MIN) / 2) return "skipped";
      } else {
        if (b.status !== "completed" && b.status !== "checked_in") return "stale";
        if (now < plan.dueAt) return "not_due";
        if (now.getTime() - plan.dueAt.getTime() > FOLLOW_UP_STALE_MS) return "skipped";
      }
      const lang = b.customer.language === "en" ? "en" : "es";
      const local = toLocal(b.startsAt, b.location.timeZone);
      const facts = {
        language: lang,
        kind: plan.kind,
        startsAt: b.startsAt.toISOString(),
        localDate: local.date,
        localTime: `${String(Math.floor(local.minute / 60)).padStart(2, "0")}:${String(local.minute % 60).padStart(2, "0")}`,
        timeZone: b.location.timeZone,
        locationName: b.location.name,
        services: b.items.map((i) => (lang === "en" ? i.service.nameEn : i.service.nameEs)),
        staff: [...new Set(b.items.map((i) => i.staff.displayName))],
        ...(plan.type === "reminder"
          ? {
              hoursBefore: plan.offsetMinutes / 60,
              quickReplies: QUICK_REPLIES.map((q) => ({ id: q.id, title: q[lang] })),
            }
          : {}),
      };
      const sent = await notifyOnce(tx, notifierOf(services), b, plan.kind, plan.type, facts, now);
      await hooks.beforeCommit?.();
      return sent ? "sent" : "already_sent";
    },
    { maxWait: 15_000, timeout: 60_000 },
  );
  if (outcome === "not_configured") {
    services.log.debug(
      { bookingId: job.bookingId, kind: job.kind },
      "reminder skipped: the location no longer sends this kind",
    );
  }
  // A job that woke early (clock skew): plan it again for its instant.
  if (outcome === "not_due" && dueAt && services.jobs) {
    await services.jobs.send<ReminderJob>(
      REMINDER_QUEUE,
      { bookingId: job.bookingId, kind: job.kind, startsAt: job.startsAt, dueAt: (dueAt as Date).toISOString() },
      { startAfter: realStartAfter(services.clock, dueAt), singletonKey: `${job.kind}:${job.bookingId}` },
    );
  }
  return outcome;
}

/**
 * Sends every reminder that is due and not yet sent (after a restart, a lost job, a late plan), as
 * each location sets them now; `settings` overrides every location's (tests).
 */
export async function sweepDueReminders(services: PaymentServices, settings?: ReminderSettings): Promise<number> {
  const now = services.clock();
  const db = services.db as Db;
  const locations = await db.location.findMany({ select: { id: true, ...SETTINGS_COLUMNS } });
  const settingsOf = new Map(locations.map((l) => [l.id, settings ?? reminderSettingsOf(l)]));
  const windows = [...settingsOf].flatMap(([locationId, s]) => {
    const maxOffset = Math.max(0, ...s.offsetsMinutes) * MIN;
    const follow = s.followUpMinutes;
    return [
      ...(maxOffset > 0
        ? [
            {
              locationId,
              status: "confirmed" as const,
              startsAt: { gt: now, lte: new Date(now.getTime() + maxOffset) },
            },
          ]
        : []),
      ...(follow !== null
        ? [
            {
              locationId,
              status: { in: ["completed" as const, "checked_in" as const] },
              endsAt: {
                lte: new Date(now.getTime() - follow * MIN),
                gt: new Date(now.getTime() - follow * MIN - FOLLOW_UP_STALE_MS),
              },
            },
          ]
        : []),
    ];
  });
  if (!windows.length) return 0;
  const candidates = await db.booking.findMany({
    where: { OR: windows },
    select: { id: true, locationId: true, startsAt: true, endsAt: true },
    take: 1000,
  });
  if (!candidates.length) return 0;
  const sentRows = await services.db.reminderSent.findMany({
    where: { bookingId: { in: candidates.map((c) => c.id) } },
    select: { bookingId: true, kind: true },
  });
  const done = new Set(sentRows.map((r) => `${r.bookingId}:${r.kind}`));
  let n = 0;
  for (const b of candidates) {
    for (const r of remindersFor(b, settingsOf.get(b.locationId) ?? DEFAULT_REMINDER_SETTINGS)) {
      if (r.dueAt > now || done.has(`${b.id}:${r.kind}`)) continue;
      const out = await sendReminder(
        services,
        { bookingId: b.id, kind: r.kind, startsAt: b.startsAt.toISOString() },
        settings,
      );
      if (out === "sent") n++;
    }
  }
  return n;
}
