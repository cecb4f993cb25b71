// Sandbox mode from the README's start command, as a separate process on a fresh data dir with nothing
// configured: in Chromium, a new customer books a colour service in Spanish on the /sandbox WhatsApp
// simulator (guided mode, following its buttons), pays on the sandbox checkout, and the booking is
// confirmed (tRPC as front desk, and the console's day view); the customer asks for a person, front
// desk takes over, replies (seen on /sandbox) and hands back; stylists' busy times on /sandbox/calendar
// reach Cita. A production start with an unconfigured integration is refused in one line.
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Browser,
  buildRenderer,
  chromiumAvailable,
  launchChromium,
  type Page,
  type StaffClient,
  staffClient,
} from "../apps/desktop/test/harness.ts";
import { CONSOLE_ROOT } from "../apps/server/src/http/console.ts";
import { WHEN_FORMAT } from "../apps/server/src/sandbox/pages.ts";
import { freePort } from "../apps/server/src/testing/global-setup.ts";
import { salonDays } from "../apps/server/src/testing/salon-days.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import { root, type Started, startCita, stop, tsx } from "./start-support.ts";

const shots = join(root, "test-results", "sandbox");
const TZ = "Europe/Madrid";

const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(ms);
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

const canRun = chromiumAvailable();

/** expect.poll with a wait that fits a queue, an outbox job and a browser poll in between. */
const poll = <T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 20_000, interval: 100, ...opts });

describe.skipIf(!canRun)("sandbox mode: the whole of Cita on one machine, no accounts", () => {
  let dataDir: string;
  let cita: Started;
  let browser: Browser;
  let page: Page;
  let desk: StaffClient;
  let consoleBuilt = false;
  const phone = `+34699${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
  let bookingId = "";
  let day = "";

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    // The console is served from its build, looked up once at start-up: build it first when we can.
    consoleBuilt = await buildRenderer().then(
      () => existsSync(CONSOLE_ROOT),
      (e) => {
        console.warn("console build failed; the day-view check is skipped:", e);
        return false;
      },
    );
    dataDir = await mkdtemp(join(tmpdir(), "cita-sandbox-"));
    cita = await startCita({ CITA_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) });
    desk = (await staffClient(cita.url, "desk@cita.demo", "cita-desk-demo")).client;
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "es-ES" });
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (cita) expect(await stop(cita)).toBe(0);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The last message Cita sent on a /sandbox page. */
  const lastFromCita = (pg: Page = page) => pg.locator('.msg[data-from="cita"]').last();

  async function say(text: string, pg: Page = page) {
    const before = await pg.locator('.msg[data-from="cita"]').count();
    await pg.locator("#text").fill(text);
    await pg.locator("#send").click();
    await poll(() => pg.locator('.msg[data-from="cita"]').count(), { timeout: 20_000 }).toBeGreaterThan(before);
  }

  async function tap(title: string | RegExp, pg: Page = page) {
    const before = await pg.locator('.msg[data-from="cita"]').count();
    await lastFromCita(pg).locator(".buttons button", { hasText: title }).first().click();
    await poll(() => pg.locator('.msg[data-from="cita"]').count(), { timeout: 20_000 }).toBeGreaterThan(before);
  }

  it("says so at start-up: banner with the console and sandbox pages, a log line, integration_status", async () => {
    const out = cita.output();
    expect(out).toContain(`Console    ${cita.url}/console`);
    expect(out).toContain(`WhatsApp simulator  ${cita.url}/sandbox`);
    expect(out).toContain(`Calendars           ${cita.url}/sandbox/calendar`);
    expect(out).toMatch(/Sandbox +WhatsApp, Stripe, Google Calendar not configured/);
    expect(out).toContain('"msg":"sandbox mode for: WhatsApp, Stripe, Google Calendar');
    expect(out).toContain("guided mode");
    const manager = (await staffClient(cita.url, "manager@cita.demo", "cita-manager-demo")).client;
    const status = await manager.payments.integrations.query();
    const mode = Object.fromEntries(status.map((s) => [s.kind, s.mode]));
    expect(mode).toMatchObject({ stripe: "sandbox", google_calendar: "sandbox", whatsapp: "sandbox" });
    // The real webhook route still checks signatures: an unsigned or badly signed delivery is refused.
    const forged = await fetch(`${cita.url}/webhooks/chatwoot`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-chatwoot-signature": `sha256=${"0".repeat(64)}`,
        "x-chatwoot-timestamp": String(Math.floor(Date.now() / 1000)),
      },
      body: JSON.stringify({ event: "message_created", id: 1, message_type: "incoming", content: "hola" }),
    });
    expect(forged.status).toBe(401);
  });

  /** What a customer writes and taps, and what the page and Cita say, in each language. */
  const SPEAKS = {
    es: {
      open: "Abrir chat",
      hello: "Hola, quiero reservar un tinte",
      service: "Tinte completo",
      askDay: /día/,
      slots: "huecos libres",
      proposal: /Tinte completo.*depósito/s,
      yes: "Sí, confirmo",
      shot: "",
    },
    en: {
      open: "Open chat",
      hello: "Hi, I'd like to book a colour",
      service: "Full colour",
      askDay: /day/,
      slots: "free times",
      proposal: /Full colour.*deposit/s,
      yes: "Yes, confirm",
      shot: "-en",
    },
  } as const;

  /**
   * A new customer books the full colour on /sandbox, following guided mode's buttons; returns the
   * deposit link. Screenshots (when asked) are named with the language.
   */
  async function bookColour(who: {
    phone: string;
    name: string;
    slot: number;
    shots: boolean;
    pg?: Page;
    lang?: keyof typeof SPEAKS;
  }): Promise<string> {
    const pg = who.pg ?? page;
    const t = SPEAKS[who.lang ?? "es"];
    await pg.goto(`${cita.url}/sandbox`);
    await pg.locator("#phone").fill(who.phone);
    await pg.locator("#name").fill(who.name);
    await pg.getByRole("button", { name: t.open }).click();
    await say(t.hello, pg);
    // Guided mode offers the colour services as WhatsApp buttons.
    await poll(() => lastFromCita(pg).locator(".buttons button").allTextContents()).toContain(t.service);
    if (who.shots) await pg.screenshot({ path: join(shots, `01-chat-services${t.shot}.png`) });
    await tap(t.service, pg);
    await poll(() => lastFromCita(pg).textContent()).toMatch(t.askDay);
    // The day found above, written as the customer would.
    await say(`${day.slice(8, 10)}/${day.slice(5, 7)}`, pg);
    await poll(() => lastFromCita(pg).textContent()).toContain(t.slots);
    // More than three slots: a WhatsApp list whose rows are tapped.
    const listButton = lastFromCita(pg).locator(".listbtn");
    const before = await pg.locator('.msg[data-from="cita"]').count();
    if (await listButton.count()) {
      await listButton.click();
      await pg.locator("#list-rows li").first().waitFor();
      // Each row shows its description under the time, as WhatsApp does (stylist · price).
      await poll(() => pg.locator("#list-rows li .row-desc").count()).toBe(await pg.locator("#list-rows li").count());
      expect(await pg.locator("#list-rows li .row-desc").first().textContent()).toMatch(/ · (€)?\d/);
      if (who.shots) await pg.screenshot({ path: join(shots, `02-chat-slots-list${t.shot}.png`) });
      await pg.locator("#list-rows li").nth(who.slot).click();
    } else {
      await lastFromCita(pg).locator(".buttons button").first().click();
    }
    await poll(() => pg.locator('.msg[data-from="cita"]').count(), { timeout: 20_000 }).toBeGreaterThan(before);
    await poll(() => lastFromCita(pg).textContent()).toMatch(t.proposal);
    await tap(t.yes, pg);
    await poll(() => pg.locator('.msg[data-from="cita"] .text', { hasText: "/sandbox/checkout/" }).count()).toBe(1);
    const linkText = await pg
      .locator('.msg[data-from="cita"] .text', { hasText: "/sandbox/checkout/" })
      .last()
      .textContent();
    const link = /(http:\/\/\S+\/sandbox\/checkout\/cs_test_\w+)/.exec(linkText ?? "")?.[1];
    expect(link, `no checkout link in: ${linkText}`).toBeTruthy();
    // The link is tappable: an anchor to exactly that address, opening outside the chat.
    const anchor = pg.locator('.msg[data-from="cita"] .text a[href*="/sandbox/checkout/"]').last();
    expect(await anchor.getAttribute("href")).toBe(link);
    expect(await anchor.getAttribute("rel")).toBe("noopener noreferrer");
    // Delivery ticks: the customer's own messages show as read once Cita answered.
    await poll(() => pg.locator('.msg[data-from="me"] .tick[data-status="read"]').count()).toBeGreaterThan(3);
    if (who.shots) await pg.screenshot({ path: join(shots, `03-chat-deposit-link${t.shot}.png`) });

    return link!;
  }

  it("books a colour service in Spanish on /sandbox, pays on the sandbox checkout, and the booking is confirmed", async () => {
    // A day at least two days ahead with several full colours free (two customers book one), asked of the salon.
    const colour = (await desk.services.list.query({ includeArchived: false })).find(
      (s) => s.slug === "tinte-completo",
    )!;
    const colourists = (await desk.staff.list.query({ includeInactive: false })).filter((s) =>
      s.serviceIds.includes(colour.id),
    );
    [day] = await salonDays((input) => desk.availability.search.query(input), addDays(localDate(nowMs()), 2), [
      { serviceId: colour.id, staffIds: colourists.map((s) => s.id), minStaff: 2, minSlots: 6 },
    ]);
    const link = await bookColour({ phone, name: "Lucía Sandbox", slot: 0, shots: true });

    const checkout = await page.context().newPage();
    await checkout.goto(link!);
    expect(await checkout.getByTestId("service").textContent()).toBe("Tinte completo");
    // The booking id is for machines only: an attribute, never text on the page.
    bookingId = (await checkout.getByTestId("checkout").getAttribute("data-booking-id")) ?? "";
    const pending = await desk.bookings.get.query({ id: bookingId });
    expect(pending.status).toBe("pending_deposit");
    expect(pending.depositCents).toBeGreaterThan(0);
    expect(await checkout.getByTestId("amount").textContent()).toContain(
      new Intl.NumberFormat("es-ES", { minimumFractionDigits: 2 }).format(pending.depositCents / 100),
    );
    // In the customer's language (Spanish), with the salon, stylist and local date; no ids, no
    // status names, no English.
    expect(await checkout.locator("html").getAttribute("lang")).toBe("es");
    const text = ((await checkout.locator("body").textContent()) ?? "").replace(/\s+/g, " ");
    expect(text).not.toContain(bookingId);
    expect(text).not.toMatch(/pending_deposit|held|confirmed|no money moves|Sandbox:/);
    expect(await checkout.getByTestId("stylist").textContent()).toBe(pending.items[0]!.staffName);
    const when = new Intl.DateTimeFormat("es-ES", { timeZone: TZ, ...WHEN_FORMAT }).format(
      Date.parse(pending.startsAt),
    );
    expect(await checkout.getByTestId("when").textContent()).toBe(when);
    // The hold's end as the chat writes it ("hasta las HH:MM", local minute): the same instant the
    // booking is held until.
    const heldUntil = new Intl.DateTimeFormat("es-ES", {
      timeZone: TZ,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(Date.parse(pending.holdExpiresAt!));
    expect(await checkout.getByTestId("checkout-state").textContent()).toContain(`hasta las ${heldUntil}.`);
    await checkout.screenshot({ path: join(shots, "04-checkout.png") });

    // The console is open on that day before the customer pays: the payment shows up live there.
    expect(consoleBuilt, "the console must be built to watch the booking in it").toBe(true);
    const consolePage = await browser.newPage({ viewport: { width: 1600, height: 1200 }, locale: "es-ES" });
    await consolePage.goto(`${cita.url}/console/#/day/${day}`);
    await consolePage.getByLabel("Correo electrónico").fill("desk@cita.demo");
    await consolePage.getByLabel("Contraseña").fill("cita-desk-demo");
    await consolePage.getByRole("button", { name: "Entrar" }).click();
    const liveBlock = consolePage.locator(`.block[data-booking-id="${bookingId}"]`);
    await liveBlock.waitFor({ timeout: 15_000 });
    expect(await liveBlock.getAttribute("data-status")).toBe("pending_deposit");

    await checkout.getByRole("button", { name: /^Pagar/ }).click();
    await poll(() => checkout.getByTestId("checkout-state").textContent()).toContain("Pagado");
    await checkout.screenshot({ path: join(shots, "05-checkout-paid.png") });
    await checkout.close();

    // Confirmed, as front desk sees it through tRPC, and told to the customer on WhatsApp.
    await poll(async () => (await desk.bookings.get.query({ id: bookingId })).status, { timeout: 20_000 }).toBe(
      "confirmed",
    );
    const booking = await desk.bookings.get.query({ id: bookingId });
    expect(booking.source).toBe("whatsapp");
    expect(booking.items[0]!.serviceName.es).toBe("Tinte completo");
    await poll(() => page.locator('.msg[data-from="cita"]', { hasText: "Cita confirmada" }).count(), {
      timeout: 20_000,
    }).toBe(1);
    await page.screenshot({ path: join(shots, "06-chat-confirmed.png") });
    // …and the open console redrew it as confirmed, without a reload.
    await poll(() => liveBlock.getAttribute("data-status"), { timeout: 10_000 }).toBe("confirmed");
    await consolePage.screenshot({ path: join(shots, "06b-console-live-confirmed.png") });
    await consolePage.close();

    // Cita's own messages were shown and read on the phone: the real delivery statuses say so.
    const chats = await desk.chats.list.query({ filter: "all", limit: 200 });
    const chat = chats.items.find((c) => c.customerPhone?.replace(/\D/g, "") === phone.replace(/\D/g, ""));
    expect(chat?.channel).toBe("chatwoot");
    await poll(
      async () => {
        const d = await desk.chats.get.query({ conversationId: chat!.id });
        return d.messages.filter((m) => m.author === "bot").every((m) => m.deliveryStatus === "read");
      },
      { timeout: 15_000 },
    ).toBe(true);
  }, 120_000);

  it("shows the confirmed booking in the console's day view", async (ctx) => {
    if (!consoleBuilt) ctx.skip();
    expect(bookingId).not.toBe("");
    const consolePage = await browser.newPage({ viewport: { width: 1600, height: 1200 }, locale: "es-ES" });
    await consolePage.goto(`${cita.url}/console/#/day/${day}`);
    await consolePage.getByLabel("Correo electrónico").fill("desk@cita.demo");
    await consolePage.getByLabel("Contraseña").fill("cita-desk-demo");
    await consolePage.getByRole("button", { name: "Entrar" }).click();
    const block = consolePage.locator(`.block[data-booking-id="${bookingId}"]`);
    await block.waitFor({ timeout: 15_000 });
    expect(await block.textContent()).toContain("Tinte completo");
    await consolePage.screenshot({ path: join(shots, "07-console-day.png") });
    await consolePage.close();
  }, 60_000);

  it("hands the chat to a person: front desk takes over in the console, replies (seen on /sandbox) and hands back", async () => {
    await say("Quiero hablar con una persona");
    await poll(() => lastFromCita().textContent()).toContain("persona del salón");
    const chats = await desk.chats.list.query({ filter: "all", limit: 200 });
    const chat = chats.items.find((c) => c.customerPhone?.replace(/\D/g, "") === phone.replace(/\D/g, ""))!;
    await poll(async () => (await desk.chats.get.query({ conversationId: chat.id })).conversation.mode).toBe("human");
    // Cita told "Chatwoot" to open the conversation for people: the phone's header says so.
    await poll(() => page.locator("#status").textContent()).toContain("con una persona");
    await page.screenshot({ path: join(shots, "08-chat-human.png") });

    // The front desk takes the chat over in the console and replies from it.
    expect(consoleBuilt, "the console must be built to take the chat over in it").toBe(true);
    const consolePage = await browser.newPage({ viewport: { width: 1600, height: 1200 }, locale: "es-ES" });
    await consolePage.goto(`${cita.url}/console/#/chats`);
    await consolePage.getByLabel("Correo electrónico").fill("desk@cita.demo");
    await consolePage.getByLabel("Contraseña").fill("cita-desk-demo");
    await consolePage.getByRole("button", { name: "Entrar" }).click();
    const row = consolePage.locator(`[data-testid="inbox-row"][data-conversation-id="${chat.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    const conv = consolePage.getByTestId("conversation");
    await conv.getByTestId("take-over").click();
    await poll(() => conv.getByTestId("conv-owner").textContent()).toBe("Llevas tú este chat");
    await conv.getByTestId("reply-text").fill("Hola Lucía, soy Marta del salón. ¿En qué te ayudo?");
    await conv.getByTestId("reply-send").click();
    await poll(() => page.locator('.msg[data-from="cita"]', { hasText: "soy Marta del salón" }).count(), {
      timeout: 20_000,
    }).toBe(1);
    // While a person has the chat, the agent stays quiet.
    const quiet = await page.locator('.msg[data-from="cita"]').count();
    await page.locator("#text").fill("Quería cambiar el color, gracias");
    await page.locator("#send").click();
    await poll(() => page.locator('.msg[data-from="me"]', { hasText: "cambiar el color" }).count()).toBe(1);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await page.locator('.msg[data-from="cita"]').count()).toBe(quiet);
    // A photo from the phone: an ActiveStorage-style data_url the media job downloads into the data dir.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "base64",
    );
    await page.locator("#image").setInputFiles({ name: "pelo.png", mimeType: "image/png", buffer: png });
    await poll(() => page.locator('.msg[data-from="me"] img').count()).toBe(1);
    await poll(async () => {
      const d = await desk.chats.get.query({ conversationId: chat.id });
      const img = d.messages.find((m) => m.kind === "image");
      return img ? { bytes: img.attachments[0]?.bytes, stored: !!img.attachments[0]?.storedPath } : null;
    }).toEqual({ bytes: png.length, stored: true });
    await page.screenshot({ path: join(shots, "09-chat-staff-reply.png") });

    await consolePage.screenshot({ path: join(shots, "09b-console-chat.png") });
    await conv.getByTestId("hand-back-note").fill("Resuelto");
    await conv.getByTestId("hand-back").click();
    await poll(async () => (await desk.chats.get.query({ conversationId: chat.id })).conversation.mode, {
      timeout: 15_000,
    }).toBe("bot");
    await consolePage.close();
    await poll(() => page.locator("#status").textContent(), { timeout: 15_000 }).toContain("asistente");
    const detail = await desk.chats.get.query({ conversationId: chat.id });
    const staffReply = detail.messages.find((m) => m.author === "staff");
    expect(staffReply?.body).toContain("soy Marta");
    await poll(async () => {
      const d = await desk.chats.get.query({ conversationId: chat.id });
      return d.messages.find((m) => m.author === "staff")?.deliveryStatus;
    }).toBe("read");
  }, 90_000);

  it("feeds a stylist's own busy time on /sandbox/calendar through the calendar sync", async () => {
    const stylists = await desk.staff.list.query({ includeInactive: false });
    const services = await desk.services.list.query({ includeArchived: false });
    const cut = services.find((s) => s.slug === "corte-mujer")!;
    // Someone other than the colour's stylist, so the morning is theirs to block.
    const colourBy = (await desk.bookings.get.query({ id: bookingId })).items.map((i) => i.staffId);
    const stylist = stylists.find((s) => s.bookable && s.serviceIds.includes(cut.id) && !colourBy.includes(s.id))!;
    const inside = (hhmm: string) => hhmm >= "10:00" && hhmm < "13:00";
    const slotsInside = async () =>
      (
        await desk.availability.search.query({
          items: [{ serviceId: cut.id, staffId: stylist.id }],
          fromDate: day,
          toDate: day,
        })
      )
        .map((s) => s.localTime)
        .filter(inside);
    // Free that morning before.
    expect((await slotsInside()).length).toBeGreaterThan(0);

    const cal = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: "es-ES" });
    await cal.goto(`${cita.url}/sandbox/calendar`);
    const card = cal.locator(`.stylist[data-staff-id="${stylist.id}"]`);
    await card.locator('input[name="title"]').fill("Médico");
    await card.locator('input[name="date"]').fill(day);
    await card.locator('input[name="start"]').fill("10:00");
    await card.locator('input[name="end"]').fill("13:00");
    await card.getByRole("button", { name: "Añadir ocupado" }).click();
    await cal.waitForURL(`${cita.url}/sandbox/calendar?lang=es`);
    const after = cal.locator(`.stylist[data-staff-id="${stylist.id}"]`);
    expect(await after.locator('[data-testid="event"]').allTextContents()).toEqual([expect.stringContaining("Médico")]);
    expect(await after.textContent()).toMatch(/Importado en Cita \(bloquea la disponibilidad\): .*10:00 .*13:00/);
    await cal.screenshot({ path: join(shots, "10-calendar.png"), fullPage: true });
    await cal.close();

    // The imported busy time is what availability reads: no slot of that stylist starts inside it.
    expect(await slotsInside()).toEqual([]);
  }, 60_000);

  it("lets a deposit link expire from the sandbox checkout: the hold is released and the customer told", async () => {
    const other = `+34688${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
    const link = await bookColour({ phone: other, name: "Pablo Sandbox", slot: 3, shots: false });
    const checkout = await page.context().newPage();
    await checkout.goto(link);
    const held = (await checkout.getByTestId("checkout").getAttribute("data-booking-id")) ?? "";
    expect((await desk.bookings.get.query({ id: held })).status).toBe("pending_deposit");
    await checkout.getByRole("button", { name: "Dejar que caduque" }).click();
    await poll(() => checkout.getByTestId("checkout-state").textContent()).toContain("caducado");
    await checkout.screenshot({ path: join(shots, "11-checkout-expired.png") });
    await checkout.close();
    await poll(async () => (await desk.bookings.get.query({ id: held })).status).toBe("expired");
    await poll(() => page.locator('.msg[data-from="cita"]', { hasText: "hemos liberado la reserva" }).count()).toBe(1);
    await page.screenshot({ path: join(shots, "12-chat-hold-released.png") });
    // The same page for a customer who speaks English: all of it in English.
    const customerId = (await desk.bookings.get.query({ id: held })).customerId;
    const { customer } = await desk.customers.get.query({ customerId });
    await desk.customers.update.mutate({ customerId, version: customer.version, language: "en" });
    const english = await page.context().newPage();
    await english.goto(link);
    expect(await english.locator("html").getAttribute("lang")).toBe("en");
    expect(await english.getByTestId("checkout-state").textContent()).toBe("This link has expired.");
    expect(await english.getByTestId("service").textContent()).toBe("Full colour");
    expect((await english.getByTestId("amount").textContent())!).toMatch(/^€\d+\.\d{2}$/);
    await english.screenshot({ path: join(shots, "11b-checkout-expired-en.png") });
    await english.close();
  }, 90_000);

  it("speaks the visitor's language: an English customer books and pays in English, and the calendars page reads in English", async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: "en-GB" });
    const en = await context.newPage();
    en.on("pageerror", (e) => console.error("page error:", e));
    const englishPhone = `+34677${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
    const link = await bookColour({
      phone: englishPhone,
      name: "Lucy Sandbox",
      slot: 1,
      shots: true,
      pg: en,
      lang: "en",
    });
    // The page around the chat is English too: its labels, placeholders and status line.
    expect(await en.locator("html").getAttribute("lang")).toBe("en");
    const chrome = [
      await en.locator(".side").textContent(),
      await en.locator("#status").textContent(),
      await en.locator("#text").getAttribute("placeholder"),
      await en.locator("#send").getAttribute("aria-label"),
    ].join(" | ");
    expect(chrome).toContain("assistant");
    expect(chrome).not.toMatch(/Teléfono|Nombre|Abrir chat|Escribe|Enviar|asistente|chat nuevo|Calendarios|Consola/);

    // The checkout speaks the customer's language, taken from the chat.
    const checkout = await context.newPage();
    await checkout.goto(link);
    expect(await checkout.locator("html").getAttribute("lang")).toBe("en");
    expect(await checkout.getByTestId("service").textContent()).toBe("Full colour");
    expect((await checkout.getByTestId("amount").textContent())!).toMatch(/^€\d+\.\d{2}$/);
    expect(await checkout.getByTestId("checkout-state").textContent()).toMatch(
      /^Awaiting payment\. We are holding your booking until \d\d:\d\d\.$/,
    );
    await checkout.screenshot({ path: join(shots, "04-checkout-en.png") });
    const held = (await checkout.getByTestId("checkout").getAttribute("data-booking-id")) ?? "";
    await checkout.getByRole("button", { name: /^Pay/ }).click();
    await poll(() => checkout.getByTestId("checkout-state").textContent()).toContain("Paid");
    await checkout.screenshot({ path: join(shots, "05-checkout-paid-en.png") });
    await checkout.close();
    await poll(async () => (await desk.bookings.get.query({ id: held })).status, { timeout: 20_000 }).toBe("confirmed");
    await poll(() => en.locator('.msg[data-from="cita"]', { hasText: /confirmed/ }).count(), {
      timeout: 20_000,
    }).toBeGreaterThan(0);
    expect(await lastFromCita(en).textContent()).not.toMatch(/confirmada|Tinte|depósito/);
    await en.screenshot({ path: join(shots, "06-chat-confirmed-en.png") });

    // The calendars page, and the switch back to Spanish.
    await en.goto(`${cita.url}/sandbox/calendar`);
    expect(await en.locator("h1").textContent()).toBe("The team's calendars");
    expect(await en.locator("body").textContent()).toMatch(/Imported into Cita \(blocks availability\)/);
    expect(await en.locator("body").textContent()).not.toMatch(/@sandbox\.cita|import-busy/);
    await en.screenshot({ path: join(shots, "10-calendar-en.png"), fullPage: true });
    await en.getByRole("link", { name: "Español" }).click();
    expect(await en.locator("h1").textContent()).toBe("Los calendarios del equipo");
    await context.close();
  }, 120_000);

  it("refuses a production start with an unconfigured integration, naming it in one line", async () => {
    const proc = spawn(tsx, ["apps/server/src/main.ts"], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: "/tmp",
        CITA_ENV: "production",
        CITA_DATA_KEY: randomBytes(32).toString("base64"),
        CITA_AUTH_SECRET: randomBytes(32).toString("base64"),
        CITA_DATA_DIR: join(dataDir, "production"),
        // Its own port: the default one may be taken by another Cita on this machine.
        EMBEDDED_PG_PORT: String(await freePort()),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    proc.stderr?.on("data", (d) => (err += d));
    const code = await new Promise((r) => proc.once("exit", r));
    expect(code).toBe(2);
    expect(err.trim().split("\n")).toEqual([
      "cita: Invalid configuration: STRIPE_SECRET_KEY must be set when CITA_ENV=production (Stripe would run in sandbox mode)",
    ]);
  });
});
