// Issue #21 in Claude mode: the real SDK against the local fake Messages API (scripted tool calls),
// on the seeded salon with the frozen clock, driven through handleTurn. The script plays the model;
// the assertions are on what our code let it do and say: a root colour without a valid patch test is
// refused by hold_slot with the reason and the offer (the sentence passes the grounding guard: its
// date is in the tool result), accepting books the test before the latest day; a negative test from
// 3 days ago lets the colour be held; one from 7 months ago is refused.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findSlots } from "../../availability/find.ts";
import { createBooking } from "../../bookings/create.ts";
import { monthsBefore } from "../../bookings/patch-test.ts";
import { addDays } from "../../time/zoned.ts";
import { FakeAnthropic, say, use } from "../fakes/fake-anthropic.ts";
import { salonToday } from "../testing/calendar.ts";
import { type AgentWorld, type Chat, createAgentWorld, FROZEN_NOW } from "../testing/harness.ts";

let w: AgentWorld;
let fake: FakeAnthropic;
let phone = 34666000100;
const nextPhone = () => `+${phone++}`;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const D = 86_400_000;
let colour: { id: string };
let patch: { id: string };
/** A day 6+ days ahead with a free root colour. */
let colourDate: string;

const modes = async (c: Chat) =>
  (await w.db.agentTurn.findMany({ where: { conversationId: c.conversationId } })).map((t) => t.mode);
const lastTool = async (name: string) =>
  w.db.toolCall.findFirstOrThrow({ where: { name }, orderBy: { createdAt: "desc" } });
const live = (c: Chat) =>
  c.bookings().then((bs) => bs.filter((b) => ["held", "pending_deposit", "confirmed"].includes(b.status)));

beforeAll(async () => {
  fake = new FakeAnthropic();
  const baseURL = await fake.start();
  w = await createAgentWorld({
    now: FROZEN_NOW,
    claude: {
      client: new Anthropic({ apiKey: "test-key", baseURL, maxRetries: 0, timeout: 5000 }),
      model: "claude-sonnet-4-6",
    },
  });
  colour = await w.db.service.update({
    where: { locationId_slug: { locationId: w.locationId, slug: "tinte-raiz" } },
    data: { patchTestRequired: true },
  });
  patch = await w.db.service.create({
    data: {
      locationId: w.locationId,
      slug: "prueba-alergia",
      nameEs: "Prueba de alergia",
      nameEn: "Patch test",
      category: "colour",
      durationMinutes: 15,
      priceCents: 0,
      isPatchTest: true,
    },
  });
  const colourists = await w.db.staffService.findMany({ where: { serviceId: colour.id } });
  await w.db.staffService.createMany({ data: colourists.map((s) => ({ staffId: s.staffId, serviceId: patch.id })) });
  const today = await salonToday(w);
  const slots = await findSlots(w.db, {
    locationId: w.locationId,
    items: [{ serviceId: colour.id, staffId: null }],
    fromDate: addDays(today, 6),
    toDate: addDays(today, 20),
    now: w.clock(),
  });
  colourDate = slots[0]!.localDate;
}, 120_000);
afterAll(async () => {
  await fake?.stop();
  await w?.drop();
});
beforeEach(() => {
  fake.failures.length = 0;
});

/** The customer asks for a root colour; the model checks that day and tries to hold the first time. */
async function askColour(chat: Chat, text: string, reply: string) {
  fake.load([
    use("check_availability", { service_ids: [colour.id], date: colourDate }),
    use("hold_slot", { slot_ref: "{{last.slots.0.slot_ref}}" }),
    say(reply),
  ]);
  await chat.say(text);
  expect(fake.failures).toEqual([]);
}

describe("patch tests in Claude mode (fake Messages API)", () => {
  it("no test: hold_slot refuses with the reason and the offer; the model says it; a yes books the test first", async () => {
    const chat = await w.chat(nextPhone());
    await askColour(chat, "quiero un tinte de raíz", "{{last.error.patch_test.say}}");
    const tc = await lastTool("hold_slot");
    const err = (tc.result as { content: { error: Record<string, unknown> } }).content.error;
    expect(err.code).toBe("PATCH_TEST_REQUIRED");
    const p = err.patch_test as {
      reason: string;
      say: string;
      offer: { service_id: string; last_day: string; check_availability: Record<string, unknown> };
    };
    expect(p.reason).toBe("none");
    expect(p.offer.service_id).toBe(patch.id);
    expect(p.offer.last_day <= addDays(colourDate, -2)).toBe(true);
    expect(chat.told).toMatch(
      /^Para Tinte de raíz necesitas una prueba de alergia hecha al menos 48 h antes y no tenemos ninguna registrada\. ¿Te reservo la prueba antes del \S+ \d\d\/\d\d\?$/,
    );
    expect(chat.told).not.toMatch(UUID);
    // The grounding guard let the sentence through: the turn stayed in Claude mode.
    expect(new Set(await modes(chat))).toEqual(new Set(["claude"]));
    expect(await live(chat)).toHaveLength(0);

    // Yes: the model looks for the test's times with the offered arguments and proposes the first.
    fake.load([
      use("check_availability", p.offer.check_availability),
      use("hold_slot", { slot_ref: "{{last.slots.0.slot_ref}}" }),
      say("Te reservo la prueba de alergia el {{last.proposal.when}}. ¿Lo confirmo?"),
    ]);
    await chat.say("sí, resérvame la prueba");
    expect(fake.failures).toEqual([]);
    const ref = ((await lastTool("hold_slot")).input as { slot_ref: string }).slot_ref;
    fake.load([use("hold_slot", { slot_ref: ref }), say("¡Hecho! Prueba de alergia el {{last.booking.when}}.")]);
    await chat.say("sí");
    expect(fake.failures).toEqual([]);
    const [b] = await live(chat);
    expect(b?.items.map((i) => i.serviceId)).toEqual([patch.id]);
    expect(b?.status).toBe("confirmed");
    expect(b!.startsAt.getTime()).toBeLessThan(Date.parse(`${p.offer.last_day}T23:59:59Z`));
    expect(chat.told).toMatch(/¡Hecho! Prueba de alergia el /);
    expect(new Set(await modes(chat))).toEqual(new Set(["claude"]));
  });

  it("a negative test from 3 days ago: the colour is proposed, and held after the yes", async () => {
    const chat = await w.chat(nextPhone());
    await w.db.patchTest.create({
      data: {
        customerId: chat.customerId,
        takenAt: new Date(w.clock().getTime() - 3 * D),
        product: "Koleston",
        result: "negative",
      },
    });
    await askColour(chat, "quiero un tinte de raíz", "Tengo {{last.proposal.when}}. ¿Lo confirmo?");
    const ref = ((await lastTool("hold_slot")).input as { slot_ref: string }).slot_ref;
    expect(((await lastTool("hold_slot")).result as { content: { status: string } }).content.status).toBe(
      "confirmation_required",
    );
    fake.load([use("hold_slot", { slot_ref: ref }), say("Te guardo el hueco del {{last.booking.when}}.")]);
    await chat.say("sí");
    expect(fake.failures).toEqual([]);
    const [b] = await live(chat);
    expect(b?.items.map((i) => i.serviceId)).toEqual([colour.id]);
  });

  it("a move to tomorrow, which a test taken an hour ago does not cover: refused before the proposal", async () => {
    const chat = await w.chat(nextPhone());
    await w.db.patchTest.create({
      data: {
        customerId: chat.customerId,
        takenAt: new Date(w.clock().getTime() - 3_600_000),
        product: "Igora",
        result: "negative",
      },
    });
    const [slot] = await findSlots(w.db, {
      locationId: w.locationId,
      items: [{ serviceId: colour.id, staffId: null }],
      fromDate: colourDate,
      toDate: colourDate,
      now: w.clock(),
    });
    const booked = await createBooking(
      { db: w.db, fc: w.fc, clock: w.clock },
      {
        locationId: w.locationId,
        customerId: chat.customerId,
        startsAt: slot!.start,
        items: [{ serviceId: colour.id, staffId: slot!.items[0]!.staffId }],
        source: "whatsapp",
        mode: "book",
        waiveDeposit: true,
        conversationId: chat.conversationId,
      },
      { type: "customer", id: chat.customerId },
    );
    const tomorrow = addDays(await salonToday(w), 1);
    fake.load([
      use("check_availability", { booking_id: booked.id, date: tomorrow }),
      use("reschedule_booking", { booking_id: booked.id, slot_ref: "{{last.slots.0.slot_ref}}" }),
      say("{{last.error.patch_test.say}}"),
    ]);
    await chat.say("¿me la puedes pasar a mañana?");
    expect(fake.failures).toEqual([]);
    const tc = await lastTool("reschedule_booking");
    expect((tc.result as { content: { error: { code: string } } }).content.error.code).toBe("PATCH_TEST_REQUIRED");
    expect(chat.told).toMatch(/\(la última es demasiado reciente para esta cita\)/);
    const after = await w.db.booking.findUniqueOrThrow({ where: { id: booked.id } });
    expect(after.status).toBe("confirmed");
    expect(after.startsAt.getTime()).toBe(slot!.start.getTime());
  });

  it("a test from 7 months ago (English): refused, saying how old it is", async () => {
    const chat = await w.chat(nextPhone(), { language: "en" });
    await w.db.patchTest.create({
      data: {
        customerId: chat.customerId,
        takenAt: new Date(monthsBefore(w.clock(), 7, "Europe/Madrid").getTime() - 3_600_000),
        product: "Koleston",
        result: "negative",
      },
    });
    await askColour(chat, "I'd like a root colour please", "{{last.error.patch_test.say}}");
    expect(chat.told).toMatch(
      /^Root colour needs an allergy patch test taken at least 48 h before within the last 6 months \(your last one was 7 months ago\)\. Shall I book the test for you before \S+ \d+ \w{3}\?$/,
    );
    expect(await live(chat)).toHaveLength(0);
    expect(new Set(await modes(chat))).toEqual(new Set(["claude"]));
  });
});
