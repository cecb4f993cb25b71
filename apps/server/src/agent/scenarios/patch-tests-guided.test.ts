// Issue #21 in guided mode (no model): a root colour needs a skin-allergy (patch) test. Without one
// the customer is told why and offered the test first; a yes books the test before the latest time.
// With a negative test from 3 days ago the colour is held; with one from 7 months ago it is refused.
// Driven into handleTurn on the seeded demo salon at the suite's instant (any date and hour).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monthsBefore } from "../../bookings/patch-test.ts";
import { addDays } from "../../time/zoned.ts";
import { addWish, offerSlotByHand } from "../../waitlist/waitlist.ts";
import { dayPhrase, FEW_DAYS_AHEAD, localOf, salonDay, salonToday } from "../testing/calendar.ts";
import { type AgentWorld, type Chat, createAgentWorld } from "../testing/harness.ts";

let w: AgentWorld;
let phone = 34655000100;
const nextPhone = () => `+${phone++}`;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const D = 86_400_000;
const H = 3_600_000;
let colour: { id: string };
let patch: { id: string };

beforeAll(async () => {
  w = await createAgentWorld();
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
  // Whoever does colour does the test.
  const colourists = await w.db.staffService.findMany({ where: { serviceId: colour.id } });
  await w.db.staffService.createMany({ data: colourists.map((s) => ({ staffId: s.staffId, serviceId: patch.id })) });
}, 120_000);
afterAll(async () => {
  await w?.drop();
});

/** A day (from 6 days ahead: days to take the test first) with a free root colour. */
async function colourDay() {
  return salonDay(w, { items: [{ serviceId: colour.id, staffId: null }], offsets: FEW_DAYS_AHEAD.slice(3) });
}

/** Asks for a root colour on that day and taps the first time offered. */
async function askColour(chat: Chat, date: string, lang: "es" | "en") {
  const today = await salonToday(w);
  await chat.say(
    lang === "es"
      ? `quiero un tinte de raíz ${dayPhrase(date, today)}`
      : `I'd like a root colour ${dayPhrase(date, today, "en")}`,
  );
  const first = chat.choices[0];
  expect(first, chat.told).toBeDefined();
  return chat.tap(first!.id);
}

const recordTest = (customerId: string, takenAt: Date) =>
  w.db.patchTest.create({ data: { customerId, takenAt, product: "Koleston", result: "negative" } });

const live = (c: Chat) =>
  c.bookings().then((bs) => bs.filter((b) => ["held", "pending_deposit", "confirmed"].includes(b.status)));

describe("patch tests in guided mode", () => {
  it("no test (es): refused with the reason and the offer; 'sí' → test times before the latest day → booked", async () => {
    const chat = await w.chat(nextPhone());
    const { date } = await colourDay();
    await askColour(chat, date, "es");
    const refusal = chat.replies.at(-1)!;
    const text = refusal.kind === "choices" ? refusal.text : "";
    expect(text).toMatch(
      /^Para Tinte de raíz necesitas una prueba de alergia hecha al menos 48 h antes y no tenemos ninguna registrada\. ¿Te reservo la prueba antes del \S+ \d\d\/\d\d\?$/,
    );
    expect(text).not.toMatch(UUID);
    expect(chat.choices.map((c) => c.title)).toEqual(["Sí, la prueba antes", "No, gracias"]);
    expect(await live(chat)).toHaveLength(0);

    await chat.say("sí");
    // Times for the test, each on a day before the colour's latest day.
    const offered = chat.choices;
    expect(offered.length).toBeGreaterThan(0);
    expect(chat.told).toMatch(/Estos son los huecos para la prueba de alergia:/);
    const latestDay = addDays(date, -2);
    for (const c of offered) expect(c.description).toMatch(/0 €/);
    await chat.tap(offered[0]!.id);
    expect(chat.told).toMatch(/¿Lo confirmo\?/);
    await chat.say("sí, confirmo");
    const [b] = await live(chat);
    expect(b?.items.map((i) => i.serviceId)).toEqual([patch.id]);
    expect(b?.status).toBe("confirmed");
    // Taken at least 48 h before any time on the colour's day.
    expect((await localOf(w, b!.startsAt)).date <= latestDay).toBe(true);
    expect(chat.told).toMatch(/¡Hecho!/);
  });

  it("no test (en): the reason and the offer in English; 'no' leaves it, nothing booked", async () => {
    const chat = await w.chat(nextPhone(), { language: "en" });
    const { date } = await colourDay();
    await askColour(chat, date, "en");
    expect(chat.told).toMatch(
      /Root colour needs an allergy patch test taken at least 48 h before and we have none on record\. Shall I book the test for you before \S+ \d+ \w{3}\?/,
    );
    expect(chat.choices.map((c) => c.title)).toEqual(["Yes, the test first", "No, thanks"]);
    await chat.tap("patch:no");
    expect(chat.told).toMatch(/Whenever you want to book the allergy test, just tell me\./);
    expect(await live(chat)).toHaveLength(0);
  });

  it("a negative test from 3 days ago: the colour is proposed and held", async () => {
    const chat = await w.chat(nextPhone());
    await recordTest(chat.customerId, new Date(w.clock().getTime() - 3 * D));
    const { date } = await colourDay();
    await askColour(chat, date, "es");
    expect(chat.told).not.toMatch(/prueba de alergia/);
    expect(chat.told).toMatch(/¿Lo confirmo\?/);
    await chat.say("sí, confirmo");
    const [b] = await live(chat);
    expect(b?.items.map((i) => i.serviceId)).toEqual([colour.id]);
    expect(b?.patchTestOverrideById).toBeNull();
  });

  it("a waitlist offer of a colour accepted by its button, without a test: the reason and the offer", async () => {
    const chat = await w.chat(nextPhone());
    const { date, slots } = await colourDay();
    const slot = slots[0]!;
    const staffId = slot.items[0]!.staffId;
    // Offers go out at once whenever the suite runs (quiet hours have their own test).
    await w.db.location.update({
      where: { id: w.locationId },
      data: { waitlistQuietStartMinute: 0, waitlistQuietEndMinute: 0 },
    });
    const deps = { db: w.db, fc: w.fc, clock: w.clock };
    const desk = { type: "staff" as const, id: null };
    const wish = await addWish(
      deps,
      w.locationId,
      {
        customerId: chat.customerId,
        serviceIds: [colour.id],
        dateFrom: date,
        dateTo: date,
        dayParts: ["morning", "afternoon", "evening"],
        conversationId: chat.conversationId,
      },
      desk,
    );
    const offer = await offerSlotByHand(deps, w.locationId, { wishId: wish.id, staffId, startsAt: slot.start }, desk);
    await chat.say("Sí, lo quiero", { choiceId: `waitlist.accept:${offer.offerId}` });
    expect(chat.told).toMatch(
      /Para Tinte de raíz necesitas una prueba de alergia hecha al menos 48 h antes y no tenemos ninguna registrada\./,
    );
    expect(await live(chat)).toHaveLength(0);
  });

  it("a test from 7 months ago: refused, saying how old it is; nothing booked", async () => {
    const chat = await w.chat(nextPhone());
    await recordTest(chat.customerId, new Date(monthsBefore(w.clock(), 7, "Europe/Madrid").getTime() - H));
    const { date } = await colourDay();
    await askColour(chat, date, "es");
    expect(chat.told).toMatch(
      /Para Tinte de raíz necesitas una prueba de alergia hecha al menos 48 h antes en los últimos 6 meses \(la última es de hace 7 meses\)\. ¿Te reservo la prueba antes del/,
    );
    expect(await live(chat)).toHaveLength(0);
  });
});
