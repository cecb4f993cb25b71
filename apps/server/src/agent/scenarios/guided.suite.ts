// The scenarios of scenarios.md in guided mode (no Claude), on the seeded demo salon with the
// clock frozen at Tuesday 2026-03-10 10:00 Europe/Madrid. One suite, two drivers: guided.test.ts
// calls the agent's handleTurn directly; guided.real.test.ts sends every message as a signed
// Chatwoot webhook through the real server, queue, agent, tools and outbox (testing/real-path.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSlots } from "../../availability/find.ts";
import { createBooking } from "../../bookings/create.ts";
import { expireHold } from "../../bookings/transitions.ts";
import { placeBookingWithDeposit } from "../eval/scenarios.ts";
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

  describe(`guided mode scenarios (${direct ? "handleTurn directly" : "webhook → queue → agent → outbox"})`, () => {
    it("1: new customer books a haircut on Thursday afternoon; hold, deposit link, told date/time/stylist/price", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Hola, quiero cortarme el pelo el jueves por la tarde");
      const cut = await svc("corte-mujer");
      expect(chat.choices.map((c) => c.id)).toContain(`service:${cut.id}`);
      await chat.tap(`service:${cut.id}`);
      const slots = chat.choices;
      expect(slots.length).toBeGreaterThan(0);
      expect(chat.told).toMatch(/jue/);
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
      const local = new Intl.DateTimeFormat("es-ES", {
        timeZone: "Europe/Madrid",
        weekday: "long",
        hour: "2-digit",
        minute: "2-digit",
      }).format(full.startsAt);
      expect(local).toMatch(/jueves/);
      expect(Number(local.slice(-5, -3))).toBeGreaterThanOrEqual(14);
      expect(w.deposits.links.map((l) => l.bookingId)).toContain(full.id);
      const link = w.deposits.links.find((l) => l.bookingId === full.id);
      expect(link).toBeDefined();
      expect(chat.told).toContain(link!.url);
      expect(chat.told).toMatch(/35 €/);
      expect(chat.told).toContain(full.items[0]!.staff.displayName.split(" ")[0]!);
    });

    it("2: returning customer, same as last time with Laura", async () => {
      const chat = await w.chat(nextPhone());
      const laura = await staff("laura@cita.demo");
      const tinte = await svc("tinte-raiz");
      // Last visit: root colour with Laura, completed last week.
      const past = new Date("2026-03-04T10:00:00Z");
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
      await chat.say("Hola! Quiero lo mismo que la última vez con Laura, el viernes");
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(chat.told).toMatch(/Laura/);
      await chat.tap(chat.choices[0]!.id);
      await chat.say("vale");
      const [b] = (await chat.bookings()).filter((x) => x.status !== "completed");
      expect(b!.items[0]!.serviceId).toBe(tinte.id);
      expect(b!.items[0]!.staffId).toBe(laura.id);
      expect(b!.status).toBe("pending_deposit");
    });

    it("3: any stylist, earliest possible; earliest real slot first, booked on confirmation", async () => {
      const chat = await w.chat(nextPhone(), { language: "en" });
      await chat.say("I want a men's haircut, any stylist, earliest possible");
      const cut = await svc("corte-hombre");
      const earliest = await findSlots(w.db, {
        locationId: w.locationId,
        items: [{ serviceId: cut.id, staffId: null }],
        fromDate: "2026-03-10",
        toDate: "2026-03-16",
        now: w.clock(),
      });
      expect(chat.choices[0]!.title).toContain(earliest[0]!.localTime);
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
      // Someone else takes Carlos at Thursday 12:00.
      const slots = await findSlots(w.db, {
        locationId: w.locationId,
        items: [{ serviceId: cut.id, staffId: carlos.id }],
        fromDate: "2026-03-12",
        toDate: "2026-03-12",
        now: w.clock(),
      });
      const target = slots.find((s) => s.localTime >= "11:00")!;
      await w.db.$transaction(async () => {});
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
      await chat.say(`Quiero un corte hombre con Carlos el jueves a las ${target.localTime}`);
      expect(chat.told).toMatch(/no hay hueco/);
      expect(chat.choices.length).toBeGreaterThanOrEqual(2);
      expect(
        chat.choices.every((c) => !(c.title.includes(target.localTime) && c.description?.includes("Carlos"))),
      ).toBe(true);
      expect(await activeOf(chat)).toHaveLength(0);
    });

    it("5: cut + colour in one visit; both items, stylist free during processing; total told", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Quiero corte mujer y tinte completo el miércoles por la mañana");
      expect(chat.choices.length).toBeGreaterThan(0);
      await chat.tap(chat.choices[0]!.id);
      expect(chat.told).toMatch(/Corte mujer \+ Tinte completo/);
      expect(chat.told).toMatch(/100 €/); // 35 + 65
      await chat.say("sí, confirmo");
      const [b] = await chat.bookings();
      expect(b!.items).toHaveLength(2);
      expect(b!.totalPriceCents).toBe(10000);
      const colour = b!.items.find((i) => i.service.slug === "tinte-completo")!;
      const segs = b!.segments.filter((s) => s.itemId === colour.id);
      // Application and finishing block the stylist; the 40-minute processing gap does not.
      const gapStart = new Date(colour.startsAt.getTime() + 40 * 60_000);
      const gapEnd = new Date(gapStart.getTime() + 40 * 60_000);
      expect(segs.some((s) => s.startsAt < gapEnd && s.endsAt > gapStart)).toBe(false);
    });

    it("6: booking for someone else at the same time; two bookings with the right names", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Quiero un corte infantil para mi hija Lucía el sábado a las 10:00");
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
      const gap = Math.abs(rows[0]!.startsAt.getTime() - rows[1]!.startsAt.getTime());
      expect(gap).toBeLessThanOrEqual(60 * 60_000);
    });

    it("7: deposit not paid in time; hold released and slot bookable again", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Quiero corte mujer mañana a las 17:00");
      await chat.tap(chat.choices[0]!.id);
      await chat.say("sí");
      const [b] = await chat.bookings();
      expect(b!.status).toBe("pending_deposit");
      // The checkout expires (payments/ calls this on checkout.session.expired).
      await expireHold({ db: w.db, fc: w.fc, clock: w.clock }, b!.id, { type: "job" });
      const after = await w.db.booking.findUniqueOrThrow({ where: { id: b!.id }, include: { segments: true } });
      expect(after.status).toBe("expired");
      expect(after.segments.every((s) => !s.active)).toBe(true);
      const free = await findSlots(w.db, {
        locationId: w.locationId,
        items: b!.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
        fromDate: "2026-03-11",
        toDate: "2026-03-11",
        now: w.clock(),
      });
      expect(free.some((s) => s.start.getTime() === b!.startsAt.getTime())).toBe(true);
    });

    it("8: the same delivery twice is answered once (turn replay / channel dedup); no write repeated", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Quiero corte hombre mañana a las 11:00");
      await chat.tap(chat.choices[0]!.id);
      // Direct: the queue redelivers the batch to the agent (same answer, no new write). Real: Chatwoot
      // delivers the same message twice (two webhooks): stored once, answered once.
      const first = await chat.say("sí", { redeliver: true });
      expect(first.replies.length).toBeGreaterThan(0);
      const rows = await activeOf(chat);
      expect(rows).toHaveLength(1);
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
          await chat.say("Quiero corte hombre el jueves a las 12:00");
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

    it("9: reschedule; old slot freed, new booked, deposit carried over; both times told", async () => {
      const chat = await w.chat(nextPhone());
      const { booking, slot } = await bookedWithDeposit(chat, "2026-03-13", 10 * 60);
      await chat.say("Hola, quiero cambiar mi cita al miércoles");
      expect(chat.choices.length).toBeGreaterThan(0);
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
      expect(chat.told).toMatch(/viernes 13\/03/);
      expect(chat.told).toMatch(/miércoles 11\/03/);
      expect(slot.localDate).toBe("2026-03-13");
    });

    it("10: cancel inside the free window; cancelled and the deposit refunded", async () => {
      const chat = await w.chat(nextPhone());
      const { booking } = await bookedWithDeposit(chat, "2026-03-13", 11 * 60);
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
      const { booking } = await bookedWithDeposit(chat, "2026-03-11", 9 * 60 + 30);
      await chat.say("I need to cancel my appointment");
      expect(chat.told).toMatch(/keeps the deposit/);
      expect((await w.db.booking.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe("confirmed");
      await chat.say("ok go ahead");
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
      const { booking } = await bookedWithDeposit(chat, "2026-03-11", 17 * 60, "corte-mujer");
      // The reminder job's message (reminders/ sends it through the outbox).
      await w.db.message.create({
        data: {
          conversationId: chat.conversationId,
          direction: "outbound",
          author: "bot",
          kind: "template",
          body: "Recordatorio: mañana tienes cita a las 17:00",
          deliveryStatus: "sent",
        },
      });
      await chat.say("no puedo, cámbiala");
      expect(chat.told).toMatch(/¿A qué día quieres cambiarla\?/);
      await chat.say("el jueves por la tarde");
      await chat.tap(chat.choices[0]!.id);
      await chat.say("vale");
      expect((await w.db.booking.findUniqueOrThrow({ where: { id: booking.id } })).status).toBe("cancelled");
      const moved = await w.db.booking.findFirstOrThrow({ where: { rescheduledFromId: booking.id } });
      expect(moved.status).toBe("confirmed");
    });

    it("14: asks for a person; human mode with a summary; silent while staff reply; continues after hand-back", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Quiero hablar con una persona, por favor");
      const conv = await w.db.conversation.findUniqueOrThrow({ where: { id: chat.conversationId } });
      expect(conv.mode).toBe("human");
      expect(conv.escalationSummary).toMatch(/asked for a person/);
      const n = chat.replies.length;
      await chat.say("¿Hola?");
      expect(chat.replies.length).toBe(n); // the bot is silent in human mode
      if (direct) {
        const silent = await w.agent.handleTurn(await chat.input());
        expect(silent.replies).toEqual([]);
      }
      await chat.staffSays("Hola, soy Lucía del salón. Te he apuntado la preferencia por Laura.");
      await chat.handBack("Prefiere a Laura; ya le hemos respondido.");
      await chat.say("Vale, quiero corte mujer con Laura el viernes");
      expect(chat.told).toMatch(/Seguimos con tu conversación/);
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(chat.choices.every((c) => c.description?.startsWith("Laura"))).toBe(true);
    });

    it("17: closed day and beyond the horizon; the rule explained, nearest open slots offered, no hold", async () => {
      const chat = await w.chat(nextPhone());
      await chat.say("Quiero corte hombre el domingo");
      expect(chat.told).toMatch(/Ese día de la semana el salón está cerrado/);
      expect(chat.choices.length).toBeGreaterThan(0);
      const en = await w.chat(nextPhone(), { language: "en" });
      await en.say("I want a men's haircut on 2026-06-01");
      expect(en.told).toMatch(/up to 60 days ahead/);
      expect(en.choices.length).toBeGreaterThan(0);
      expect(await activeOf(chat)).toHaveLength(0);
      expect(await activeOf(en)).toHaveLength(0);
    });
  });
}
