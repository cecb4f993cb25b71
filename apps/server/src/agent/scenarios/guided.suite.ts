// The scenarios of scenarios.md in guided mode (no Claude), on the seeded demo salon with the
// clock standing at SCENARIO_NOW (CITA_TEST_NOW, or Tuesday 2026-03-10 10:00 Europe/Madrid). Every
// day and time a customer names is asked of the salon at that instant (testing/calendar.ts) and
// said as a customer would; the assertions check the agent understood that very day. One suite,
// two drivers: guided.test.ts calls the agent's handleTurn directly; guided.real.test.ts sends
// every message as a signed Chatwoot webhook through the real server, queue, agent, tools and
// outbox (testing/real-path.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSlots } from "../../availability/find.ts";
import { createBooking } from "../../bookings/create.ts";
import { expireHold } from "../../bookings/transitions.ts";
import { addDays, localToUtc, weekdayOf } from "../../time/zoned.ts";
import { placeBookingWithDeposit } from "../eval/scenarios.ts";
import {
  COMING_WEEK,
  closedWeekday,
  dayLabel,
  dayPhrase,
  FEW_DAYS_AHEAD,
  localOf,
  minuteOf,
  salonDay,
  salonOf,
  salonToday,
  sameTimeFor,
  TOMORROW_FIRST,
} from "../testing/calendar.ts";
import { type AgentWorld, type Chat, createWorld, type WorldMode } from "../testing/harness.ts";

export function guidedSuite(mode: WorldMode, firstPhone: number) {
  let w: AgentWorld;
  let phone = firstPhone;
  const nextPhone = () => `+${phone++}`;
  const direct = mode === "direct";

  beforeAll(async () => {
    w = await createWorld(mode);
    // The salon's deposit policy: women's cuts ask for a €5 deposit.
    await w.db.service.updateMany({
      where: { locationId: w.locationId, slug: "corte-mujer" },
      data: { depositRule: "fixed", depositValue: 500 },
    });
  }, 120_000);
  afterAll(async () => {
    await w?.drop();
  });

  const svc = (slug: string) => w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug } });
  const staff = (email: string) => w.db.staffMember.findUniqueOrThrow({ where: { email } });
  const activeOf = async (c: { bookings(): Promise<{ status: string }[]> }) =>
    (await c.bookings()).filter((b) => ["held", "pending_deposit", "confirmed"].includes(b.status));
  const AFTERNOON: [number, number] = [14 * 60, 24 * 60];
  const MORNING: [number, number] = [0, 14 * 60];
  const from = (hhmm: string): [number, number] => [minuteOf(hhmm), 24 * 60];
  /** Every slot offered is on this day ("jueves 12/03 17:00"). */
  const allOn = (chat: Chat, date: string) => chat.choices.every((c) => c.title.startsWith(dayLabel(date)));

  describe(`guided mode scenarios (${direct ? "handleTurn directly" : "webhook → queue → agent → outbox"})`, () => {
    it("1: new customer books a haircut on Thursday afternoon; hold, deposit link, told date/time/stylist/price", async () => {
      const chat = await w.chat(nextPhone());
      const cut = await svc("corte-mujer");
      // A day of the coming week with free women's cuts in the afternoon ("el jueves").
      const { date } = await salonDay(w, { items: [{ serviceId: cut.id, staffId: null }], window: AFTERNOON });
      await chat.say(`Hola, quiero cortarme el pelo ${dayPhrase(date, await salonToday(w))} por la tarde`);
      expect(chat.choices.map((c) => c.id)).toContain(`service:${cut.id}`);
      await chat.tap(`service:${cut.id}`);
      const slots = chat.choices;
      expect(slots.length).toBeGreaterThan(0);
      expect(allOn(chat, date)).toBe(true);
      expect(await activeOf(chat)).toHaveLength(0);
      await chat.tap(slots[0]!.id);
      expect(chat.told).toMatch(/¿Lo confirmo\?/);
      expect(await activeOf(chat)).toHaveLength(0); // proposal only: nothing written yet
      await chat.say("sí");
      const [b] = await activeOf(chat);
      expect(b).toBeDefined();
      const full = (await chat.bookings())[0]!;
      expect(full.status).toBe("pending_deposit");
      expect(full.depositCents).toBe(500);
      expect(full.conversationId).toBe(chat.conversationId);
      const local = await localOf(w, full.startsAt);
      expect(local.date).toBe(date);
      expect(local.minute).toBeGreaterThanOrEqual(14 * 60);
      expect(w.deposits.links.map((l) => l.bookingId)).toContain(full.id);
      const link = w.deposits.links.find((l) => l.bookingId === full.id);
      expect(link).toBeDefined();
      expect(chat.told).toContain(link!.url);
      expect(chat.told).toMatch(/35 €/);
      // One expiry time everywhere: the hold's end as it is after the link (the checkout shows the same).
      expect(chat.told).toContain(`hasta las ${(await localOf(w, full.holdExpiresAt!)).time}`);
      expect(chat.told).toContain(full.items[0]!.staff.displayName.split(" ")[0]!);
    });

    it("2: returning customer, same as last time with Laura", async () => {
      const chat = await w.chat(nextPhone());
      const laura = await staff("laura@cita.demo");
      const tinte = await svc("tinte-raiz");
      // Last visit: root colour with Laura at 11:00, completed last week: the latest day 6–13 days
      // ago that she worked (her weekly schedule) and the salon was open (2026-03-04 when frozen).
      const today = await salonToday(w);
      const { closures, timeZone } = await salonOf(w);
      const lauraDays = new Set(
        (await w.db.staffScheduleBlock.findMany({ where: { staffId: laura.id, kind: "work" } })).map((b) => b.weekday),
      );
      const pastDay = [6, 7, 8, 9, 10, 11, 12, 13]
        .map((k) => addDays(today, -k))
        .find((d) => lauraDays.has(weekdayOf(d)) && !closures.has(d))!;
      const past = localToUtc(pastDay, 11 * 60, timeZone);
      await w.db.booking.create({
        data: {
          locationId: w.locationId,
          customerId: chat.customerId,
          status: "completed",
          source: "whatsapp",
          startsAt: past,
          endsAt: new Date(past.getTime() + 90 * 60_000),
          totalPriceCents: 4500,
          currency: "EUR",
          items: {
            create: {
              position: 0,
              serviceId: tinte.id,
              staffId: laura.id,
              startsAt: past,
              endsAt: new Date(past.getTime() + 90 * 60_000),
              durationMinutes: 30,
              processingMinutes: 35,
              finishingMinutes: 20,
              priceCents: 4500,
            },
          },
        },
      });
      // A day of the coming week with Laura free for a root colour ("el viernes").
      const { date } = await salonDay(w, { items: [{ serviceId: tinte.id, staffId: laura.id }] });
      await chat.say(`Hola! Quiero lo mismo que la última vez con Laura, ${dayPhrase(date, today)}`);
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(chat.told).toMatch(/Laura/);
      expect(allOn(chat, date)).toBe(true);
      await chat.tap(chat.choices[0]!.id);
      await chat.say("vale");
      const [b] = (await chat.bookings()).filter((x) => x.status !== "completed");
      expect(b!.items[0]!.serviceId).toBe(tinte.id);
      expect(b!.items[0]!.staffId).toBe(laura.id);
      expect(b!.status).toBe("pending_deposit");
      expect((await localOf(w, b!.startsAt)).date).toBe(date);
    });

    it("3: any stylist, earliest possible; earliest real slot first, booked on confirmation", async () => {
      const chat = await w.chat(nextPhone(), { language: "en" });
      await chat.say("I want a men's haircut, any stylist, earliest possible");
      const cut = await svc("corte-hombre");
      // The salon's free men's cuts this week, from today (what "earliest" means to the agent too).
      const today = await salonToday(w);
      const earliest = await findSlots(w.db, {
        locationId: w.locationId,
        items: [{ serviceId: cut.id, staffId: null }],
        fromDate: today,
        toDate: addDays(today, 6),
        now: w.clock(),
      });
      expect(chat.choices[0]!.title).toBe(`${dayLabel(earliest[0]!.localDate, "en")} ${earliest[0]!.localTime}`);
      await chat.tap(chat.choices[0]!.id);
      expect(await activeOf(chat)).toHaveLength(0);
      await chat.say("yes");
      const [b] = await chat.bookings();
      expect(b!.status).toBe("confirmed"); // no deposit for this service
      expect(b!.startsAt.toISOString()).toBe(earliest[0]!.start.toISOString());
      expect(chat.told).toMatch(/confirmed/);
    });

    it("4: the requested time is taken; no hold there, at least two real alternatives", async () => {
      const taker = await w.chat(nextPhone());
      const carlos = await staff("carlos@cita.demo");
      const cut = await svc("corte-hombre");
      // Someone else takes Carlos's first free time from 11:00 on a day of the coming week on which
      // he has it ("el jueves a las 12:00").
      const { date, slots } = await salonDay(w, {
        items: [{ serviceId: cut.id, staffId: carlos.id }],
        window: from("11:00"),
      });
      const target = slots[0]!;
      await createBooking(
        { db: w.db, fc: w.fc, clock: w.clock },
        {
          locationId: w.locationId,
          customerId: taker.customerId,
          startsAt: target.start,
          items: [{ serviceId: cut.id, staffId: carlos.id }],
          source: "console",
          mode: "book",
        },
        { type: "staff" },
      );
      const chat = await w.chat(nextPhone());
      await chat.say(
        `Quiero un corte hombre con Carlos ${dayPhrase(date, await salonToday(w))} a las ${target.localTime}`,
      );
      expect(chat.told).toMatch(/no hay hueco/);
      expect(chat.choices.length).toBeGreaterThanOrEqual(2);
      expect(
        chat.choices.every((c) => !(c.title.includes(target.localTime) && c.description?.includes("Carlos"))),
      ).toBe(true);
      expect(await activeOf(chat)).toHaveLength(0);
    });

    it("5: cut + colour in one visit; both items, stylist free during processing; total told", async () => {
      const chat = await w.chat(nextPhone());
      // Tomorrow or a day of the coming week with room for both, back to back, in the morning
      // ("el miércoles por la mañana"; "mañana por la mañana" when it is tomorrow).
      const cut = await svc("corte-mujer");
      const colour = await svc("tinte-completo");
      const { date } = await salonDay(w, {
        items: [
          { serviceId: cut.id, staffId: null },
          { serviceId: colour.id, staffId: null },
        ],
        window: MORNING,
        offsets: TOMORROW_FIRST,
      });
      await chat.say(`Quiero corte mujer y tinte completo ${dayPhrase(date, await salonToday(w))} por la mañana`);
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(allOn(chat, date)).toBe(true);
      await chat.tap(chat.choices[0]!.id);
      expect(chat.told).toMatch(/Corte mujer y Tinte completo/);
      expect(chat.told).toMatch(/100 €/); // 35 + 65
      await chat.say("sí, confirmo");
      const [b] = await chat.bookings();
      expect(b!.items).toHaveLength(2);
      expect(b!.totalPriceCents).toBe(10000);
      const start = await localOf(w, b!.startsAt);
      expect(start.date).toBe(date);
      expect(start.minute).toBeLessThan(14 * 60);
      const colourItem = b!.items.find((i) => i.service.slug === "tinte-completo")!;
      const segs = b!.segments.filter((s) => s.itemId === colourItem.id);
      // Application and finishing block the stylist; the 40-minute processing gap does not.
      const gapStart = new Date(colourItem.startsAt.getTime() + 40 * 60_000);
      const gapEnd = new Date(gapStart.getTime() + 40 * 60_000);
      expect(segs.some((s) => s.startsAt < gapEnd && s.endsAt > gapStart)).toBe(false);
    });

    it("6: booking for someone else at the same time; two bookings with the right names", async () => {
      const chat = await w.chat(nextPhone());
      // A time from 10:00 at which two stylists are free for a kids' cut, on a day of the coming
      // week ("el sábado a las 10:00").
      const kids = await svc("corte-infantil");
      const at = await sameTimeFor(w, { serviceId: kids.id, minStaff: 2, window: from("10:00") });
      const date = at.date;
      await chat.say(
        `Quiero un corte infantil para mi hija Lucía ${dayPhrase(date, await salonToday(w))} a las ${at.localTime}`,
      );
      expect(chat.choices[0]!.title).toBe(`${dayLabel(date)} ${at.localTime}`);
      await chat.tap(chat.choices[0]!.id);
      expect(chat.told).toMatch(/para Lucía/);
      await chat.say("sí");
      await chat.tap("menu:another");
      await chat.say("Pablo");
      expect(chat.choices.length).toBeGreaterThan(0);
      await chat.tap(chat.choices[0]!.id);
      await chat.say("vale");
      const bs = await activeOf(chat);
      expect(bs).toHaveLength(2);
      const rows = await chat.bookings();
      const names = rows.map((b) => (b.guestNameCipher ? w.fc.decrypt(b.guestNameCipher) : null)).sort();
      expect(names).toEqual(["Lucía", "Pablo"]);
      expect(new Set(rows.map((b) => b.conversationId))).toEqual(new Set([chat.conversationId]));
      expect(rows.find((b) => b.guestNameCipher && w.fc.decrypt(b.guestNameCipher) === "Lucía")!.startsAt).toEqual(
        at.start,
      );
      const gap = Math.abs(rows[0]!.startsAt.getTime() - rows[1]!.startsAt.getTime());
      expect(gap).toBeLessThanOrEqual(60 * 60_000);
    });

    it("7: deposit not paid in time; hold released and slot bookable again", async () => {
      const chat = await w.chat(nextPhone());
      // The first free women's cut from 17:00, tomorrow if the salon has one ("mañana a las 17:00").
      const cut = await svc("corte-mujer");
      const { date, slots } = await salonDay(w, {
        items: [{ serviceId: cut.id, staffId: null }],
        window: from("17:00"),
        offsets: TOMORROW_FIRST,
      });
      const at = slots[0]!;
      await chat.say(`Quiero corte mujer ${dayPhrase(date, await salonToday(w))} a las ${at.localTime}`);
      await chat.tap(chat.choices[0]!.id);
      await chat.say("sí");
      const [b] = await chat.bookings();
      expect(b!.status).toBe("pending_deposit");
      expect(b!.startsAt).toEqual(at.start);
      // The checkout expires (payments/ calls this on checkout.session.expired).
      await expireHold({ db: w.db, fc: w.fc, clock: w.clock }, b!.id, { type: "job" });
      const after = await w.db.booking.findUniqueOrThrow({ where: { id: b!.id }, include: { segments: true } });
      expect(after.status).toBe("expired");
      expect(after.segments.every((s) => !s.active)).toBe(true);
      const free = await findSlots(w.db, {
        locationId: w.locationId,
        items: b!.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
        fromDate: date,
        toDate: date,
        now: w.clock(),
      });
      expect(free.some((s) => s.start.getTime() === b!.startsAt.getTime())).toBe(true);
    });

    it("8: the same delivery twice is answered once (turn replay / channel dedup); no write repeated", async () => {
      const chat = await w.chat(nextPhone());
      // The first free men's cut from 11:00, tomorrow if the salon has one ("mañana a las 11:00").
      const cut = await svc("corte-hombre");
      const { date, slots } = await salonDay(w, {
        items: [{ serviceId: cut.id, staffId: null }],
        window: from("11:00"),
        offsets: TOMORROW_FIRST,
      });
      const at = slots[0]!;
      await chat.say(`Quiero corte hombre ${dayPhrase(date, await salonToday(w))} a las ${at.localTime}`);
      expect(chat.choices[0]!.title).toBe(`${dayLabel(date)} ${at.localTime}`);
      await chat.tap(chat.choices[0]!.id);
      // Direct: the queue redelivers the batch to the agent (same answer, no new write). Real: Chatwoot
      // delivers the same message twice (two webhooks): stored once, answered once.
      const first = await chat.say("sí", { redeliver: true });
      expect(first.replies.length).toBeGreaterThan(0);
      const rows = await activeOf(chat);
      expect(rows).toHaveLength(1);
      expect((await chat.bookings())[0]!.startsAt).toEqual(at.start);
      const turns = await w.db.agentTurn.count({ where: { conversationId: chat.conversationId } });
      expect(turns).toBe(3);
      const inbound = await w.db.message.count({
        where: { conversationId: chat.conversationId, direction: "inbound" },
      });
      expect(inbound).toBe(3);
    });

    // Killing a process mid-turn is simulated on the agent's own rows: direct mode only.
    if (direct)
      it("8b: a turn killed after its hold resumes from the ledger and does not write again", async () => {
        const chat = await w.chat(nextPhone());
        await w.db.service.updateMany({
          where: { locationId: w.locationId, slug: "corte-hombre" },
          data: { depositRule: "fixed", depositValue: 300 },
        });
        try {
          // A men's cut from 12:00 on a day of the coming week ("el jueves a las 12:00").
          const cut = await svc("corte-hombre");
          const { date, slots } = await salonDay(w, {
            items: [{ serviceId: cut.id, staffId: null }],
            window: from("12:00"),
          });
          await chat.say(`Quiero corte hombre ${dayPhrase(date, await salonToday(w))} a las ${slots[0]!.localTime}`);
          expect(chat.choices[0]!.title).toBe(`${dayLabel(date)} ${slots[0]!.localTime}`);
          await chat.tap(chat.choices[0]!.id);
          await chat.store("vale");
          const input = await chat.input();
          const first = await w.agent.handleTurn(input);
          const turn = await w.db.agentTurn.findFirstOrThrow({
            where: { conversationId: chat.conversationId },
            orderBy: { startedAt: "desc" },
          });
          // Leave the database as a process killed right after the hold committed leaves it: the turn
          // still running with only its input and start state, the hold's ledger row finished, the
          // deposit-link call never made.
          const entries = turn.transcript as unknown[];
          await w.db.agentTurn.update({
            where: { id: turn.id },
            data: { status: "running", finishedAt: null, transcript: entries.slice(0, 2) as never },
          });
          await w.db.toolCall.deleteMany({ where: { turnId: turn.id, name: "request_deposit_link" } });
          const holdCalls = await w.db.toolCall.count({ where: { turnId: turn.id, name: "hold_slot" } });
          expect(holdCalls).toBe(1);
          const linksBefore = w.deposits.links.length;
          w.deposits.links = w.deposits.links.slice(0, linksBefore - 1);
          // Restarted process, same batch: the turn resumes, the hold is replayed, the link is sent.
          const again = await w.makeAgent().handleTurn(input);
          expect(again.replies).toEqual(first.replies);
          expect(await activeOf(chat)).toHaveLength(1);
          expect(await w.db.booking.count({ where: { customerId: chat.customerId } })).toBe(1);
          expect(w.deposits.links.length).toBe(linksBefore);
          expect(await w.db.toolCall.count({ where: { turnId: turn.id, name: "hold_slot" } })).toBe(1);
          expect((await w.db.agentTurn.findUniqueOrThrow({ where: { id: turn.id } })).status).toBe("completed");
        } finally {
          await w.db.service.updateMany({
            where: { locationId: w.locationId, slug: "corte-hombre" },
            data: { depositRule: "none", depositValue: 0 },
          });
        }
      });

    const bookedWithDeposit = (chat: Chat, localDate: string, minute: number, slug = "tinte-raiz") =>
      placeBookingWithDeposit(w, chat, localDate, minute, slug);
    /** The first day (by `offsets`) with a free `slug` visit from `hhmm`: a booking's day and time. */
    const dayWith = async (slug: string, hhmm: string, offsets: number[]) => {
      const s = await svc(slug);
      const { date, slots } = await salonDay(w, {
        items: [{ serviceId: s.id, staffId: null }],
        window: from(hhmm),
        offsets,
      });
      return { date, minute: minuteOf(slots[0]!.localTime) };
    };
    /** A day to move a booking to: not its own, its stylists free for it (in `window`). */
    const moveDay = async (booking: { id: string }, offsets: number[], window?: [number, number]): Promise<string> => {
      const items = await w.db.bookingItem.findMany({ where: { bookingId: booking.id }, orderBy: { position: "asc" } });
      const own = (await localOf(w, items[0]!.startsAt)).date;
      const { date } = await salonDay(w, {
        items: items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
        excludeBookingId: booking.id,
        exclude: [own],
        offsets,
        ...(window ? { window } : {}),
      });
      return date;
    };

    it("9: reschedule; old slot freed, new booked, deposit carried over; both times told", async () => {
      const chat = await w.chat(nextPhone());
      // A root colour from 10:00 a few days ahead ("este viernes"), moved to a day of the coming
      // week on which its stylist is free ("al miércoles").
      const day = await dayWith("tinte-raiz", "10:00", FEW_DAYS_AHEAD);
      const { booking, slot } = await bookedWithDeposit(chat, day.date, day.minute);
      const to = await moveDay(booking, TOMORROW_FIRST);
      const said = dayPhrase(to, await salonToday(w), "es", { tomorrow: "weekday" }); // "el miércoles"
      await chat.say(`Hola, quiero cambiar mi cita ${said.replace(/^el /, "al ")}`);
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(allOn(chat, to)).toBe(true);
      await chat.tap(chat.choices[0]!.id);
      expect(chat.told).toMatch(/depósito de 10 € se mantiene/);
      await chat.say("sí");
      const old = await w.db.booking.findUniqueOrThrow({ where: { id: booking.id }, include: { segments: true } });
      expect(old.status).toBe("cancelled");
      expect(old.segments.every((x) => !x.active)).toBe(true);
      const moved = await w.db.booking.findFirstOrThrow({
        where: { rescheduledFromId: booking.id },
        include: { payments: true },
      });
      expect(moved.status).toBe("confirmed");
      expect(moved.payments.map((p) => p.status)).toEqual(["paid"]);
      expect((await localOf(w, moved.startsAt)).date).toBe(to);
      expect(chat.told).toContain(`${dayLabel(day.date)} a las ${slot.localTime}`);
      expect(chat.told).toContain(dayLabel(to));
      expect(slot.localDate).toBe(day.date);
    });

    it("10: cancel inside the free window; cancelled and the deposit refunded", async () => {
      const chat = await w.chat(nextPhone());
      // A root colour from 11:00 a few days ahead: well outside the 24-hour window.
      const day = await dayWith("tinte-raiz", "11:00", FEW_DAYS_AHEAD);
      const { booking, slot } = await bookedWithDeposit(chat, day.date, day.minute);
      const { cancellationWindowHours } = await salonOf(w);
      expect(slot.start.getTime() - w.clock().getTime()).toBeGreaterThan(cancellationWindowHours * 3_600_000);
      await chat.say("Quiero cancelar mi cita");
      expect(chat.told).toMatch(/devolv/);
      expect((await w.db.booking.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe("confirmed");
      await chat.say("sí");
      expect((await w.db.booking.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe("cancelled");
      expect(w.deposits.refunds).toContainEqual({
        bookingId: booking.id,
        amountCents: 1000,
        reason: "free_cancellation_window",
      });
    });

    it("11: cancel late; the policy is explained first, then cancelled with no refund", async () => {
      const chat = await w.chat(nextPhone(), { language: "en" });
      // A root colour from 09:30, tomorrow if the salon has one.
      const day = await dayWith("tinte-raiz", "09:30", TOMORROW_FIRST);
      const { booking, slot } = await bookedWithDeposit(chat, day.date, day.minute);
      // Late means inside the cancellation window. When the salon has no such visit within the
      // window of this instant (closed tomorrow), the customer writes half a window before it.
      const { cancellationWindowHours } = await salonOf(w);
      const windowMs = cancellationWindowHours * 3_600_000;
      const now = w.clock.now;
      if (slot.start.getTime() - now.getTime() >= windowMs) w.clock.set(new Date(slot.start.getTime() - windowMs / 2));
      try {
        expect(slot.start.getTime() - w.clock().getTime()).toBeLessThan(windowMs);
        await chat.say("I need to cancel my appointment");
        expect(chat.told).toMatch(/keeps the deposit/);
        expect((await w.db.booking.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe("confirmed");
        await chat.say("ok go ahead");
      } finally {
        w.clock.set(now);
      }
      const after = await w.db.booking.findUniqueOrThrow({ where: { id: booking.id } });
      expect(after.status).toBe("cancelled");
      expect(w.deposits.refunds.some((r) => r.bookingId === booking.id)).toBe(false);
    });

    it("12: questions only; answers from the database, nothing written", async () => {
      const chat = await w.chat(nextPhone());
      const before = await w.db.booking.count();
      await chat.say("¿Hacéis balayage? ¿Cuánto cuesta?");
      expect(chat.told).toMatch(/Balayage: 120 €/);
      await chat.say("¿Qué horario tenéis y dónde estáis?");
      expect(chat.told).toMatch(/Calle de Fuencarral 45/);
      expect(chat.told).toMatch(/sábado: 09:00–15:00/);
      expect(chat.told).toMatch(/domingo: cerrado/);
      const en = await w.chat(nextPhone(), { language: "en" });
      await en.say("How much is a gel manicure?");
      expect(en.told).toMatch(/Gel manicure: €28/);
      expect(await w.db.booking.count()).toBe(before);
    });

    it("13: reminder the day before; 'no puedo, cámbiala' leads into a reschedule", async () => {
      const chat = await w.chat(nextPhone());
      // A women's cut from 17:00, tomorrow if the salon has one.
      const day = await dayWith("corte-mujer", "17:00", TOMORROW_FIRST);
      const { booking, slot } = await bookedWithDeposit(chat, day.date, day.minute, "corte-mujer");
      const today = await salonToday(w);
      // The reminder job's message (reminders/ sends it through the outbox).
      await w.db.message.create({
        data: {
          conversationId: chat.conversationId,
          direction: "outbound",
          author: "bot",
          kind: "template",
          body: `Recordatorio: ${dayPhrase(day.date, today)} tienes cita a las ${slot.localTime}`,
          deliveryStatus: "sent",
        },
      });
      await chat.say("no puedo, cámbiala");
      expect(chat.told).toMatch(/¿A qué día quieres cambiarla\?/);
      // Another day of the coming week with its stylist free in the afternoon ("el jueves por la tarde").
      const to = await moveDay(booking, COMING_WEEK, AFTERNOON);
      await chat.say(`${dayPhrase(to, today)} por la tarde`);
      expect(allOn(chat, to)).toBe(true);
      await chat.tap(chat.choices[0]!.id);
      await chat.say("vale");
      expect((await w.db.booking.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe("cancelled");
      const moved = await w.db.booking.findFirstOrThrow({ where: { rescheduledFromId: booking.id } });
      expect(moved.status).toBe("confirmed");
      const at = await localOf(w, moved.startsAt);
      expect(at.date).toBe(to);
      expect(at.minute).toBeGreaterThanOrEqual(14 * 60);
    });

    it("14: asks for a person; human mode with a summary; silent while staff reply; continues after hand-back", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Quiero hablar con una persona, por favor");
      const conv = await w.db.conversation.findUniqueOrThrow({ where: { id: chat.conversationId } });
      expect(conv.mode).toBe("human");
      // Written for staff, in the salon's language, with what the customer said; no internal names.
      expect(conv.escalationSummary).toMatch(/^Pide hablar con una persona\. Último mensaje: «.+»$/);
      expect(conv.escalationSummary).not.toMatch(/Guided|Step|menu/);
      const n = chat.replies.length;
      await chat.say("¿Hola?");
      expect(chat.replies.length).toBe(n); // the bot is silent in human mode
      if (direct) {
        const silent = await w.agent.handleTurn(await chat.input());
        expect(silent.replies).toEqual([]);
      }
      await chat.staffSays("Hola, soy Lucía del salón. Te he apuntado la preferencia por Laura.");
      await chat.handBack("Prefiere a Laura; ya le hemos respondido.");
      // A day of the coming week with Laura free for a women's cut ("el viernes").
      const laura = await staff("laura@cita.demo");
      const cut = await svc("corte-mujer");
      const { date } = await salonDay(w, { items: [{ serviceId: cut.id, staffId: laura.id }] });
      await chat.say(`Vale, quiero corte mujer con Laura ${dayPhrase(date, await salonToday(w))}`);
      expect(chat.told).toMatch(/Seguimos con tu conversación/);
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(chat.choices.every((c) => c.description?.startsWith("Laura"))).toBe(true);
      expect(allOn(chat, date)).toBe(true);
    });

    it("17: closed day and beyond the horizon; the rule explained, nearest open slots offered, no hold", async () => {
      const chat = await w.chat(nextPhone());
      // The next day whose weekday the salon never opens on ("el domingo"; a week ahead on a Sunday).
      const today = await salonToday(w);
      const closed = await closedWeekday(w);
      await chat.say(`Quiero corte hombre ${dayPhrase(closed, today)}`);
      expect(chat.told).toMatch(/Ese día de la semana el salón está cerrado/);
      expect(chat.choices.length).toBeGreaterThan(0);
      // Past the salon's booking horizon (2026-06-01 from the frozen Tuesday: 83 days).
      const { horizonDays } = await salonOf(w);
      const en = await w.chat(nextPhone(), { language: "en" });
      await en.say(`I want a men's haircut on ${addDays(today, horizonDays + 23)}`);
      expect(en.told).toMatch(new RegExp(`up to ${horizonDays} days ahead`));
      expect(en.choices.length).toBeGreaterThan(0);
      expect(await activeOf(chat)).toHaveLength(0);
      expect(await activeOf(en)).toHaveLength(0);
    });
  });
}
