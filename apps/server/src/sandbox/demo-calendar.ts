// The demo salon's sandbox Google Calendar shows one thing a stylist put there herself: Laura's
// appointment at the dentist, 12:00–13:00 on her next working day. It goes into the sandbox's fake
// calendar (the calendar the sync reads) on each start, and the real import (calendar/import-busy.ts)
// turns it into busy time, so the console's calendar and the slots offered on WhatsApp both leave
// that hour free. Only with the demo seed and its sample activity (CITA_SEED_DEMO_CHATS).
import { syncBusyTime } from "../calendar/import-busy.ts";
import type { AppServices } from "../services.ts";
import { addDays, localToUtc, toLocal, weekdayOf } from "../time/zoned.ts";
import type { Sandbox } from "./sandbox.ts";

const DEMO_STYLIST = "laura@cita.demo";
const EVENT_ID = "demobusydentist";

export async function seedDemoCalendar(services: AppServices, sandbox: Sandbox): Promise<void> {
  const calendar = sandbox.calendar;
  if (!calendar || !services.config.CITA_SEED_DEMO || !services.config.CITA_SEED_DEMO_CHATS) return;
  const staff = await services.db.staffMember.findUnique({
    where: { email: DEMO_STYLIST },
    include: {
      location: { select: { timeZone: true, closures: { select: { date: true } } } },
      scheduleBlocks: { where: { kind: "work" }, select: { weekday: true } },
      calendar: true,
    },
  });
  if (!staff) return;
  const tz = staff.location.timeZone;
  const closed = new Set(staff.location.closures.map((c) => c.date.toISOString().slice(0, 10)));
  const works = new Set(staff.scheduleBlocks.map((b) => b.weekday));
  const today = toLocal(services.clock(), tz).date;
  const day = Array.from({ length: 14 }, (_, i) => addDays(today, i + 1)).find(
    (d) => works.has(weekdayOf(d)) && !closed.has(d),
  );
  if (!day) return;
  const calendarId = staff.calendar?.calendarId ?? staff.calendarId ?? `${staff.id}@sandbox.cita`;
  if (!staff.calendar)
    await services.db.calendarConnection.createMany({
      data: [{ staffId: staff.id, calendarId }],
      skipDuplicates: true,
    });
  calendar.putExternal(calendarId, {
    id: EVENT_ID,
    summary: "Dentista",
    start: { dateTime: localToUtc(day, 12 * 60, tz).toISOString(), timeZone: tz },
    end: { dateTime: localToUtc(day, 13 * 60, tz).toISOString(), timeZone: tz },
    transparency: "opaque",
  });
  try {
    await syncBusyTime(services, staff.id);
  } catch (e) {
    services.log.warn({ err: (e as Error).message }, "sandbox calendar: the demo busy time was not imported yet");
  }
}
