// Issue #20 through the real product path (guided mode): signed Chatwoot webhooks → queue → channels'
// turn → agent → tools → outbox → the fake Chatwoot. The waitlist's offer goes out through the real
// outbox notifier with its buttons; the customer taps "Sí, lo quiero" (Chatwoot hands over the title
// only: the channels match it to the offer's button id) and the first tap wins; the second customer
// is told kindly, with alternatives. A group's ONE deposit link is a real Checkout Session on the fake
// Stripe. Final state checked in the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSlots } from "../../availability/find.ts";
import { createBooking } from "../../bookings/create.ts";
import { cancelBooking } from "../../bookings/transitions.ts";
import { addDays } from "../../time/zoned.ts";
import { offerFreedTime, offerSlotByHand } from "../../waitlist/waitlist.ts";
import { dayPhrase, salonToday } from "../testing/calendar.ts";
import { type AgentWorld, type Chat, createRealAgentWorld } from "../testing/harness.ts";
import { drained } from "../testing/real-path.ts";

let w: AgentWorld;
let phone = 34655000100;
const nextPhone = () => `+${phone++}`;
const svc = (slug: string) => w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug } });
const staff = (email: string) => w.db.staffMember.findUniqueOrThrow({ where: { email } });
const desk = { type: "staff" as const, id: null };
const active = (c: Chat) =>
  c.bookings().then((bs) => bs.filter((b) => ["held", "pending_deposit", "confirmed"].includes(b.status)));

beforeAll(async () => {
  w = await createRealAgentWorld();
  await w.db.service.updateMany({
    where: { locationId: w.locationId, slug: "corte-mujer" },
    data: { depositRule: "fixed", depositValue: 500 },
  });
  // Offers go out at once whenever the suite runs: quiet hours (their own test: waitlist.test.ts) off.
  await w.db.location.update({
    where: { id: w.locationId },
    data: { waitlistQuietStartMinute: 0, waitlistQuietEndMinute: 0 },
  });
}, 120_000);
afterAll(async () => {
  await w?.drop();
});

describe("waitlist and groups through webhook → queue → agent → outbox (guided mode)", () => {
  it("a cancellation's offer reaches both waiting customers with buttons; the first tap books, the second is told kindly with alternatives", async () => {
    const carlos = await staff("carlos@cita.demo");
    const cut = await svc("corte-hombre");
    const today = await salonToday(w);
    const slots = await findSlots(w.db, {
      locationId: w.locationId,
      items: [{ serviceId: cut.id, staffId: carlos.id }],
      fromDate: addDays(today, 3),
      toDate: addDays(today, 12),
      now: w.clock(),
    });
    const slot = slots.find((s) => s.localTime >= "14:00" && s.localTime < "18:00")!;
    expect(slot).toBeDefined();
    const other = await w.chat(nextPhone());
    const taken = await createBooking(
      { db: w.db, fc: w.fc, clock: w.clock },
      {
        locationId: w.locationId,
        customerId: other.customerId,
        startsAt: slot.start,
        items: [{ serviceId: cut.id, staffId: carlos.id }],
        source: "console",
        mode: "book",
      },
      desk,
    );
    const a = await w.chat(nextPhone());
    const b = await w.chat(nextPhone(), { language: "en" });
    await a.say(
      `avísame si se libera algo ${dayPhrase(slot.localDate, today)} por la tarde con Carlos para un corte de hombre`,
    );
    await b.say(
      `let me know if anything opens up ${dayPhrase(slot.localDate, today, "en")} afternoon with Carlos for a men's haircut`,
    );
    expect(a.told).toMatch(/lista de espera/);
    expect(b.told).toMatch(/waiting list/);
    const wishA = await w.db.waitlistWish.findFirstOrThrow({ where: { customerId: a.customerId } });
    const wishB = await w.db.waitlistWish.findFirstOrThrow({ where: { customerId: b.customerId } });

    // The cancellation frees the time; the waitlist offers it through the real outbox notifier.
    const deps = { db: w.db, fc: w.fc, clock: w.clock, notifier: w.real!.services.notifier! };
    await cancelBooking(deps, taken.id, desk, { by: "staff", reason: "test", locationId: w.locationId });
    const made = await offerFreedTime(deps, w.locationId, [{ staffId: carlos.id, from: slot.start, to: slot.end }]);
    for (const wish of [wishA, wishB]) {
      if (!made.some((m) => m.wishId === wish.id)) {
        made.push(
          await offerSlotByHand(
            deps,
            w.locationId,
            { wishId: wish.id, staffId: carlos.id, startsAt: slot.start },
            desk,
          ),
        );
      }
    }
    expect(
      made
        .filter((m) => m.status === "sent")
        .map((m) => m.wishId)
        .sort(),
    ).toEqual([wishA.id, wishB.id].sort());
    await drained(w, a.conversationId);
    await drained(w, b.conversationId);
    const offerMsg = await w.db.message.findFirstOrThrow({
      where: { conversationId: a.conversationId, kind: "interactive", body: { startsWith: "¡Buenas noticias!" } },
    });
    expect((offerMsg.choices as { id: string }[]).map((c) => c.id)).toEqual([
      expect.stringMatching(/^waitlist\.accept:/),
      expect.stringMatching(/^waitlist\.decline:/),
    ]);

    // A taps first (Chatwoot delivers the button's title), then B.
    await a.say("Sí, lo quiero");
    await b.say("Yes, book it");
    const atThatTime = await w.db.booking.findMany({
      where: {
        startsAt: slot.start,
        status: { in: ["held", "pending_deposit", "confirmed"] },
        items: { some: { staffId: carlos.id } },
      },
    });
    expect(atThatTime.map((x) => x.customerId)).toEqual([a.customerId]);
    expect((await w.db.waitlistWish.findUniqueOrThrow({ where: { id: wishA.id } })).status).toBe("booked");
    expect((await w.db.waitlistWish.findUniqueOrThrow({ where: { id: wishB.id } })).status).toBe("waiting");
    const offers = await w.db.waitlistOffer.findMany({ where: { wishId: { in: [wishA.id, wishB.id] } } });
    expect(offers.find((o) => o.wishId === wishA.id)?.status).toBe("accepted");
    expect(offers.find((o) => o.wishId === wishB.id)?.status).toBe("lost");
    // The title was matched to the offer's button: the tap path named the offer (a typed "sí" would not).
    const answerA = await w.db.toolCall.findFirstOrThrow({
      where: { name: "answer_waitlist_offer", turn: { conversationId: a.conversationId } },
    });
    expect(answerA.input).toEqual({ answer: "accept", offer_id: offers.find((o) => o.wishId === wishA.id)!.id });
    expect(a.told).toMatch(/¡Es tuyo! Corte hombre con Carlos el /);
    expect(b.told).toMatch(/Sorry — someone confirmed .* just before you, so it's gone\. The nearest free times: /);
    // Told once: the agent's reply, not a second copy from the notifier.
    expect(b.told.match(/Sorry — someone confirmed/g)).toHaveLength(1);
    expect(await active(b)).toHaveLength(0);
  });

  it("group: 'somos 3 para corte y peinado' → three bookings held in one group; ONE Checkout Session for the whole deposit", async () => {
    const chat = await w.chat(nextPhone());
    const cut = await svc("corte-mujer");
    const peinado = await svc("lavado-peinado");
    const today = await salonToday(w);
    const stylists = await w.db.staffMember.findMany({
      where: { locationId: w.locationId, email: { in: ["laura@cita.demo", "marta@cita.demo", "carlos@cita.demo"] } },
    });
    let date = "";
    for (let k = 3; k < 15 && !date; k++) {
      const d = addDays(today, k);
      const starts = await Promise.all(
        stylists.map(async (st) =>
          (
            await findSlots(w.db, {
              locationId: w.locationId,
              items: [cut, peinado].map((x) => ({ serviceId: x.id, staffId: st.id })),
              fromDate: d,
              toDate: d,
              now: w.clock(),
            })
          ).map((x) => x.start.getTime()),
        ),
      );
      if (starts[0]!.some((t) => starts.every((l) => l.includes(t)))) date = d;
    }
    expect(date).not.toBe("");
    await chat.say(`somos 3 para corte de mujer y peinado ${dayPhrase(date, today)}`);
    expect(chat.told).toMatch(/Os puedo reservar el .*, empezando a la vez:/);
    await chat.say("sí");
    const groups = await w.db.bookingGroup.findMany({
      where: { organiserCustomerId: chat.customerId },
      include: { bookings: true, payments: true },
    });
    expect(groups).toHaveLength(1);
    expect(groups[0]!.bookings).toHaveLength(3);
    expect(groups[0]!.bookings.every((x) => x.status === "pending_deposit")).toBe(true);
    // One payment (one Checkout Session) for the group, the sum of the three shares.
    expect(groups[0]!.payments).toHaveLength(1);
    expect(groups[0]!.payments[0]!.amountCents).toBe(1500);
    const link = w.deposits.groupLinks.find((l) => l.groupId === groups[0]!.id)!;
    expect(chat.told).toContain(link.url);
  });
});
