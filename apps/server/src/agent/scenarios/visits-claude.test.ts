// Issue #20 in Claude mode: the real SDK against the local fake Messages API (scripted tool calls),
// on the seeded salon with the frozen clock, driven through handleTurn. The script plays the model;
// the assertions are on what our code let it do: the waitlist wish, the offer's booking (a button
// tap never reaches the model), the loser of a race told kindly, a series booked only after the
// later yes, a group held all at once with ONE deposit link — each checked in the database.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findSlots } from "../../availability/find.ts";
import type { Slot } from "../../availability/types.ts";
import { createSeries } from "../../bookings/series.ts";
import { addDays, localToUtc } from "../../time/zoned.ts";
import { offerSlotByHand } from "../../waitlist/waitlist.ts";
import { FakeAnthropic, say, use } from "../fakes/fake-anthropic.ts";
import { localOf, salonToday } from "../testing/calendar.ts";
import { type AgentWorld, type Chat, createAgentWorld, FROZEN_NOW } from "../testing/harness.ts";

let w: AgentWorld;
let fake: FakeAnthropic;
let phone = 34644000100;
const nextPhone = () => `+${phone++}`;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const svc = (slug: string) => w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug } });
const staff = (email: string) => w.db.staffMember.findUniqueOrThrow({ where: { email } });
const deps = () => ({ db: w.db, fc: w.fc, clock: w.clock });
const desk = { type: "staff" as const, id: null };
const active = (c: Chat) =>
  c.bookings().then((bs) => bs.filter((b) => ["held", "pending_deposit", "confirmed"].includes(b.status)));
/** The modes this chat's turns were answered in (a grounding failure would fall back to guided). */
const modes = async (c: Chat) =>
  (await w.db.agentTurn.findMany({ where: { conversationId: c.conversationId } })).map((t) => t.mode);
const lastTool = async (name: string) =>
  w.db.toolCall.findFirstOrThrow({ where: { name }, orderBy: { createdAt: "desc" } });

beforeAll(async () => {
  fake = new FakeAnthropic();
  const baseURL = await fake.start();
  w = await createAgentWorld({
    now: FROZEN_NOW,
    offerSeries: true,
    claude: {
      client: new Anthropic({ apiKey: "test-key", baseURL, maxRetries: 0, timeout: 5000 }),
      model: "claude-sonnet-4-6",
    },
  });
  await w.db.service.updateMany({
    where: { locationId: w.locationId, slug: "corte-mujer" },
    data: { depositRule: "fixed", depositValue: 500 },
  });
  // Offers go out at once whenever the suite runs: quiet hours (their own test: waitlist.test.ts) off.
  await w.db.location.update({
    where: { id: w.locationId },
    data: { horizonDays: 120, waitlistQuietStartMinute: 0, waitlistQuietEndMinute: 0 },
  });
}, 120_000);
afterAll(async () => {
  await fake?.stop();
  await w?.drop();
});
beforeEach(() => {
  fake.failures.length = 0;
});

/** The first afternoon slot (14:00–18:00) for a men's cut with this stylist, from a few days ahead. */
async function freeAfternoon(staffId: string, fromDay: number): Promise<Slot> {
  const today = await salonToday(w);
  const cut = await svc("corte-hombre");
  const slots = await findSlots(w.db, {
    locationId: w.locationId,
    items: [{ serviceId: cut.id, staffId }],
    fromDate: addDays(today, fromDay),
    toDate: addDays(today, fromDay + 14),
    now: w.clock(),
  });
  const slot = slots.find((s) => s.localTime >= "14:00" && s.localTime < "18:00");
  if (!slot) throw new Error("no free afternoon");
  return slot;
}

/** A wish made in the chat through join_waitlist (the script plays the model). */
async function joinByChat(chat: Chat, staffId: string, date: string, text: string) {
  const cut = await svc("corte-hombre");
  fake.load([
    use("join_waitlist", { service_ids: [cut.id], staff_id: staffId, date_from: date, day_parts: ["afternoon"] }),
    say(
      /let me know/i.test(text)
        ? "Done: you're on the waiting list. Nothing is held; I'll message you here if a slot opens up."
        : "Hecho: te he apuntado en la lista de espera. No se guarda nada; te escribo por aquí si se libera un hueco.",
    ),
  ]);
  await chat.say(text);
  expect(fake.failures).toEqual([]);
  return w.db.waitlistWish.findFirstOrThrow({
    where: { customerId: chat.customerId, status: "waiting" },
    include: { services: true },
  });
}

describe("waitlist, repeating visits and groups in Claude mode (fake Messages API)", () => {
  it("waitlist join: 'avísame si se libera algo el jueves por la tarde con Carlos' → join_waitlist → the wish row", async () => {
    const chat = await w.chat(nextPhone());
    const carlos = await staff("carlos@cita.demo");
    const cut = await svc("corte-hombre");
    const wish = await joinByChat(
      chat,
      carlos.id,
      "2026-03-12",
      "avísame si se libera algo el jueves por la tarde con Carlos, para un corte de hombre",
    );
    expect(wish.services.map((s) => s.serviceId)).toEqual([cut.id]);
    expect(wish.staffId).toBe(carlos.id);
    expect(wish.dateFrom.toISOString().slice(0, 10)).toBe("2026-03-12");
    expect(wish.dayParts).toEqual(["afternoon"]);
    expect(wish.source).toBe("agent");
    expect(wish.conversationId).toBe(chat.conversationId);
    const tc = await lastTool("join_waitlist");
    expect((tc.result as { content: { status: string } }).content.status).toBe("on_waitlist");
    expect(chat.told).toMatch(/lista de espera/);
    expect(await active(chat)).toHaveLength(0);
    // The system prompt tells the model when to use the new tools.
    const req = fake.requests.at(-1)!.body as { system: { text: string }[]; tools: { name: string }[] };
    expect(req.system[0]!.text).toMatch(/join_waitlist/);
    expect(req.system[0]!.text).toMatch(/¿Quieres dejarla fijada cada 4 semanas\?/);
    expect(req.tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["join_waitlist", "answer_waitlist_offer", "repeat_booking", "hold_group"]),
    );
  });

  it("offer accepted by the button: answered in code (no model call) → booked, offer accepted, wish booked", async () => {
    const chat = await w.chat(nextPhone());
    const carlos = await staff("carlos@cita.demo");
    const slot = await freeAfternoon(carlos.id, 3);
    const wish = await joinByChat(chat, carlos.id, slot.localDate, "avísame si se libera algo con Carlos");
    const offer = await offerSlotByHand(
      deps(),
      w.locationId,
      { wishId: wish.id, staffId: carlos.id, startsAt: slot.start },
      desk,
    );
    const calls = fake.requests.length;
    await chat.say("Sí, lo quiero", { choiceId: `waitlist.accept:${offer.offerId}` });
    expect(fake.requests.length).toBe(calls); // the model was not asked
    const [b] = await active(chat);
    expect(b?.status).toBe("confirmed");
    expect(new Date(b!.startsAt).getTime()).toBe(slot.start.getTime());
    const after = await w.db.waitlistOffer.findUniqueOrThrow({ where: { id: offer.offerId } });
    expect(after).toMatchObject({ status: "accepted", bookingId: b!.id });
    expect((await w.db.waitlistWish.findUniqueOrThrow({ where: { id: wish.id } })).status).toBe("booked");
    expect(chat.told).toMatch(/¡Es tuyo! Corte hombre con Carlos el /);
    expect(chat.told).toContain((await localOf(w, slot.start)).time);
    const last = chat.replies.at(-1)!;
    expect(last.kind === "text" ? last.text : "").not.toMatch(UUID);
  });

  it("offer lost: the first customer taps, the second types 'yes' → one booking; the model tells the loser the kind message", async () => {
    const javier = await staff("javier@cita.demo");
    const slot = await freeAfternoon(javier.id, 4);
    const a = await w.chat(nextPhone());
    const b = await w.chat(nextPhone(), { language: "en" });
    const wishA = await joinByChat(a, javier.id, slot.localDate, "avísame si se libera algo con Javier");
    const wishB = await joinByChat(b, javier.id, slot.localDate, "let me know if anything opens up with Javier");
    const offerA = await offerSlotByHand(
      deps(),
      w.locationId,
      { wishId: wishA.id, staffId: javier.id, startsAt: slot.start },
      desk,
    );
    const offerB = await offerSlotByHand(
      deps(),
      w.locationId,
      { wishId: wishB.id, staffId: javier.id, startsAt: slot.start },
      desk,
    );
    await a.say("Sí, lo quiero", { choiceId: `waitlist.accept:${offerA.offerId}` });
    fake.load([use("answer_waitlist_offer", { answer: "accept" }), say("{{last.message}}")]);
    await b.say("yes, I'll take it");
    expect(fake.failures).toEqual([]);
    const atThatTime = await w.db.booking.findMany({
      where: {
        startsAt: slot.start,
        status: { in: ["held", "pending_deposit", "confirmed"] },
        items: { some: { staffId: javier.id } },
      },
    });
    expect(atThatTime.map((x) => x.customerId)).toEqual([a.customerId]);
    expect((await w.db.waitlistOffer.findUniqueOrThrow({ where: { id: offerB.offerId } })).status).toBe("lost");
    expect((await w.db.waitlistWish.findUniqueOrThrow({ where: { id: wishB.id } })).status).toBe("waiting");
    const tc = await lastTool("answer_waitlist_offer");
    expect((tc.result as { content: { status: string } }).content.status).toBe("lost");
    expect(b.told).toMatch(/Sorry — someone confirmed .* just before you, so it's gone\. The nearest free times: /);
    expect(b.told.split("\n").at(-1)).not.toMatch(UUID);
    expect(new Set(await modes(b))).toEqual(new Set(["claude"]));
  });

  it("series: after the hold the model asks '¿Quieres dejarla fijada cada 4 semanas?'; nothing repeats until the later 'sí'", async () => {
    const chat = await w.chat(nextPhone());
    const cut = await svc("corte-hombre");
    fake.load([
      use("check_availability", { service_ids: [cut.id], date: "2026-03-12", day_part: "afternoon" }),
      use("hold_slot", { slot_ref: "{{last.slots.0.slot_ref}}" }),
      say("Tengo {{tool:check_availability.slots.0.when}} con {{tool:check_availability.slots.0.stylist}}. ¿Confirmo?"),
    ]);
    await chat.say("quiero un corte de hombre el jueves por la tarde");
    const ref = ((await lastTool("hold_slot")).input as { slot_ref: string }).slot_ref;
    fake.load([
      use("hold_slot", { slot_ref: ref }),
      use("repeat_booking", { booking_id: "{{last.booking.booking_id}}" }),
      say("¡Confirmada! ¿Quieres dejarla fijada cada 4 semanas? Serían también: {{last.proposal.following.0}}."),
    ]);
    await chat.say("sí");
    expect(fake.failures).toEqual([]);
    const [first] = await active(chat);
    expect(first?.status).toBe("confirmed");
    expect(first?.seriesId).toBeNull(); // only proposed
    expect(chat.told).toMatch(/¿Quieres dejarla fijada cada 4 semanas\?/);
    // The model trying to write it in the same turn would have been refused: the proposal is recorded.
    const proposal = await lastTool("repeat_booking");
    expect((proposal.result as { content: { status: string } }).content.status).toBe("confirmation_required");
    fake.load([
      use("repeat_booking", { booking_id: first!.id }),
      say("¡Listo! Queda fijada {{last.rule}}: {{last.booked.1}} y las siguientes."),
    ]);
    await chat.say("sí, perfecto");
    expect(fake.failures).toEqual([]);
    const series = await w.db.bookingSeries.findFirstOrThrow({ where: { customerId: chat.customerId } });
    expect(series.intervalWeeks).toBe(4);
    const visits = await w.db.booking.findMany({ where: { seriesId: series.id }, orderBy: { seriesIndex: "asc" } });
    expect(visits.length).toBe(series.count);
    expect(visits.length).toBeGreaterThanOrEqual(3);
    expect(visits[0]!.id).toBe(first!.id);
    const l1 = await localOf(w, visits[0]!.startsAt);
    const l2 = await localOf(w, visits[1]!.startsAt);
    expect(l2.date).toBe(addDays(l1.date, 28));
    expect(l2.time).toBe(l1.time); // the wall time kept across the DST change
    expect(visits[1]!.startsAt.getTime()).toBe(localToUtc(l2.date, l1.minute, "Europe/Madrid").getTime());
    expect(chat.told).toMatch(/Queda fijada cada 4 semanas/);
    expect(new Set(await modes(chat))).toEqual(new Set(["claude"]));
  });

  it("series: 'cancela la segunda y las siguientes' → cancel_series proposal with each visit's policy; after 'sí' the second visit on are cancelled, the first stays", async () => {
    const chat = await w.chat(nextPhone());
    const cut = await svc("corte-hombre");
    const carlos = await staff("carlos@cita.demo");
    const slot = await freeAfternoon(carlos.id, 5);
    const made = await createSeries(
      deps(),
      {
        locationId: w.locationId,
        customerId: chat.customerId,
        startsAt: slot.start,
        items: [{ serviceId: cut.id, staffId: carlos.id }],
        source: "console",
        mode: "book",
        rule: { kind: "weeks", every: 2 },
        limit: { count: 3 },
      },
      desk,
    );
    const ids = made.booked.map((b) => b.booking.id);
    expect(ids.length).toBe(3);
    fake.load([
      use("cancel_series", { booking_id: ids[1], scope: "following" }),
      say("Cancelo {{last.proposal.visits.0.when}} y {{last.proposal.visits.1.when}}. ¿Confirmas?"),
    ]);
    await chat.say("cancela la segunda visita y las siguientes");
    expect(fake.failures).toEqual([]);
    expect((await active(chat)).length).toBe(3); // only proposed
    const proposal = await lastTool("cancel_series");
    expect((proposal.result as { content: { status: string } }).content.status).toBe("confirmation_required");
    fake.load([use("cancel_series", { booking_id: ids[1], scope: "following" }), say("Hecho, cancelada(s).")]);
    await chat.say("sí");
    expect(fake.failures).toEqual([]);
    const after = await w.db.booking.findMany({ where: { id: { in: ids } }, orderBy: { seriesIndex: "asc" } });
    expect(after.map((b) => b.status)).toEqual(["confirmed", "cancelled", "cancelled"]);
    expect(new Set(await modes(chat))).toEqual(new Set(["claude"]));
  });

  it("group: 'somos 3 para corte y peinado' → hold_group proposal, then 'sí' → three bookings in one group and ONE deposit link", async () => {
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
    const people = [1, 2, 3].map(() => ({ service_ids: [cut.id, peinado.id] }));
    fake.load([
      use("hold_group", { people, date }),
      say(
        "Os puedo reservar el {{last.proposal.when}}, las tres a la vez. Señal total {{last.proposal.deposit}}. ¿Confirmo?",
      ),
    ]);
    await chat.say(`somos 3 para corte y peinado el ${date}`);
    expect(fake.failures).toEqual([]);
    expect(await w.db.bookingGroup.count({ where: { organiserCustomerId: chat.customerId } })).toBe(0);
    fake.load([
      use("hold_group", { people, date }),
      say("¡Hecho! Os guardo las 3 citas. Paga la señal de todo el grupo aquí: {{last.deposit_link.url}}"),
    ]);
    await chat.say("sí");
    expect(fake.failures).toEqual([]);
    const groups = await w.db.bookingGroup.findMany({
      where: { organiserCustomerId: chat.customerId },
      include: { bookings: { include: { items: true } } },
    });
    expect(groups).toHaveLength(1);
    const booked = groups[0]!.bookings;
    expect(booked).toHaveLength(3);
    expect(booked.every((p) => p.status === "pending_deposit" || p.status === "held")).toBe(true);
    expect(new Set(booked.map((p) => p.startsAt.getTime())).size).toBe(1);
    expect(new Set(booked.flatMap((p) => p.items.map((i) => i.staffId))).size).toBe(3);
    const links = w.deposits.groupLinks.filter((l) => l.groupId === groups[0]!.id);
    expect(links).toHaveLength(1);
    expect(links[0]!.amountCents).toBe(1500);
    expect(chat.told).toContain(links[0]!.url);
    expect(new Set(await modes(chat))).toEqual(new Set(["claude"]));
  });
});
