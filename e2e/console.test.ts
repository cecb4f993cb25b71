// The desktop console's renderer in Debian's Chromium against a real Cita server with the demo
// salon: sign in, the day and week views, a booking made elsewhere appearing live, create by
// click, drag to move (and a refused, reverted drag), cancel with the refund preview, check-in,
// sign-out, and the live stream resuming after 30 s offline.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonClient,
  type Browser,
  type BrowserContext,
  buildRenderer,
  type ConsoleServer,
  chromiumAvailable,
  launchChromium,
  newContextAt,
  type Page,
  type StaffClient,
  staffClient,
  startConsoleServer,
} from "../apps/desktop/test/harness.ts";
import { salonDays } from "../apps/server/src/testing/salon-days.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs, TEST_NOW } from "../apps/server/src/testing/test-now.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const shots = join(root, "test-results", "console");
const TZ = "Europe/Madrid";
const PX = 1.4;
const SHOWN = new Set(["held", "pending_deposit", "confirmed", "checked_in", "completed", "no_show"]);
const OPEN = new Set(["held", "pending_deposit", "confirmed", "checked_in"]);

type Booking = Awaited<ReturnType<StaffClient["bookings"]["get"]["query"]>>;
type StaffRow = Awaited<ReturnType<StaffClient["staff"]["list"]["query"]>>[number];

const local = (iso: string | number) => {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: TZ,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(iso))
      .map((x) => [x.type, x.value]),
  );
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    minutes: Number(p.hour) * 60 + Number(p.minute),
    hhmm: `${p.hour}:${p.minute}`,
  };
};
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const weekday = (d: string) => new Date(`${d}T12:00:00Z`).getUTCDay(); // 0 = Sunday

const canRun = chromiumAvailable();

describe.skipIf(!canRun)("desktop console in Chromium", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let desk: StaffClient;
  let staff: StaffRow[];
  let services: Awaited<ReturnType<StaffClient["services"]["list"]["query"]>>;
  /**
   * A day after today, asked of the salon: open, with several stylists free for a women's cut (Laura
   * among them), a men's cut bookable, and enough seeded visits to look at.
   */
  let day: string;
  const cut = () => services.find((s) => s.slug === "corte-mujer")!;
  const staffOffering = (serviceId: string) => staff.filter((s) => s.bookable && s.serviceIds.includes(serviceId));

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
    desk = (await staffClient(server.url, "desk@cita.demo", "cita-desk-demo")).client;
    staff = await desk.staff.list.query({ includeInactive: false });
    services = await desk.services.list.query({ includeArchived: false });
    day = await pickDay();
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 180_000);

  async function pickDay(): Promise<string> {
    const search = (input: Parameters<StaffClient["availability"]["search"]["query"]>[0]) =>
      desk.availability.search.query(input);
    const laura = staff.find((s) => s.email === "laura@cita.demo")!;
    const men = services.find((s) => s.slug === "corte-hombre")!;
    const candidates = await salonDays(
      search,
      addDays(local(nowMs()).date, 1),
      [
        {
          serviceId: cut().id,
          staffIds: staffOffering(cut().id).map((s) => s.id),
          minStaff: 3,
          minSlots: 4,
          require: [laura.id],
        },
        { serviceId: men.id, staffIds: [staffOffering(men.id)[0]!.id], minSlots: 2 },
      ],
      { count: 10, horizonDays: 14 },
    );
    for (const candidate of candidates) {
      day = candidate;
      const shown = await dayBookings();
      if (shown.length > 3 && shown.some((b) => b.status === "confirmed")) return candidate;
    }
    throw new Error(`no day among ${candidates.join(", ")} has the seeded visits this suite looks at`);
  }

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  async function dayBookings(): Promise<Booking[]> {
    const r = await desk.bookings.search.query({ fromDate: day, toDate: day, limit: 500 });
    return r.items.filter((b) => SHOWN.has(b.status));
  }

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContextAt(browser, {
      viewport: { width: 1600, height: 1400 },
      locale: "es-ES",
      timezoneId: "America/New_York",
    });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e));
    return { context, page };
  }

  async function signIn(p: Page) {
    await p.goto(`${server.url}/console/#/day/${day}`);
    await p.getByLabel("Correo electrónico").fill("manager@cita.demo");
    await p.getByLabel("Contraseña").fill("cita-manager-demo");
    await p.getByRole("button", { name: "Entrar" }).click();
    await p.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 10_000 });
  }

  const block = (p: Page, id: string) => p.locator(`.block[data-booking-id="${id}"]`);

  /** Page coordinates of an instant in a stylist's (or a day's) column. */
  async function pointIn(p: Page, columnKey: string, instant: number) {
    const col = p.locator(`.col[data-column-key="${columnKey}"]`);
    const box = (await col.boundingBox())!;
    const from = Number(await col.getAttribute("data-from"));
    return { x: box.x + box.width / 2, y: box.y + ((instant - from) / 60_000) * PX };
  }

  async function drag(p: Page, id: string, toColumn: string, deltaMinutes: number) {
    const box = (await block(p, id).boundingBox())!;
    const x0 = box.x + Math.min(20, box.width / 2);
    const y0 = box.y + 4;
    const target = (await p.locator(`.col[data-column-key="${toColumn}"]`).boundingBox())!;
    await p.mouse.move(x0, y0);
    await p.mouse.down();
    await p.mouse.move(target.x + target.width / 2, y0 + deltaMinutes * PX, { steps: 12 });
    await p.mouse.up();
  }

  it("signs in and shows the seeded bookings in the day view, in the salon's time zone", async () => {
    ({ context, page } = await newPage());
    await signIn(page);
    const seeded = await dayBookings();
    expect(seeded.length).toBeGreaterThan(3);
    // "Live" comes with the stream; the day's bookings may still be on their way (the local replica
    // fills at the same time): wait for them, then count.
    for (const b of seeded) await block(page, b.id).first().waitFor({ timeout: 10_000 });
    for (const b of seeded) await expect(block(page, b.id).count()).resolves.toBe(1);
    expect(await page.locator(".block").count()).toBe(seeded.length);
    // Each booking reads at a glance: customer, service, status and source.
    const sample = seeded[0]!;
    const customer = await desk.customers.get.query({ customerId: sample.customerId });
    await expect.poll(() => block(page, sample.id).textContent()).toContain(customer.customer.name!);
    const text = await block(page, sample.id).textContent();
    expect(text).toContain(sample.items[0]!.serviceName.es);
    expect(text).toContain(local(sample.items[0]!.startsAt).hhmm); // Madrid time on a New York computer
    expect(await block(page, sample.id).getAttribute("data-source")).toBe(sample.source);
    // A colour service's processing gap is drawn as free time.
    const colour = seeded.find((b) => b.items.some((i) => i.processingMinutes > 0));
    if (colour) expect(await block(page, colour.id).locator('[data-gap="processing"]').count()).toBe(1);
    await expect(page.getByTestId("tz").textContent()).resolves.toContain("Europe/Madrid");
    await page.screenshot({ path: join(shots, "day.png"), fullPage: true });
  });

  it("shows one stylist's week", async () => {
    const laura = staff.find((s) => s.email === "laura@cita.demo")!;
    const monday = addDays(day, 1 - (weekday(day) || 7));
    await page.goto(`${server.url}/console/#/week/${laura.id}/${day}`);
    await page.locator('[data-testid="calendar"][data-view="week"]').waitFor();
    const week = (
      await desk.bookings.search.query({ fromDate: monday, toDate: addDays(monday, 6), staffId: laura.id, limit: 500 })
    ).items.filter((b) => SHOWN.has(b.status));
    expect(week.length).toBeGreaterThan(0);
    for (const b of week) await block(page, b.id).first().waitFor({ timeout: 5000 });
    expect(await page.locator(".col").count()).toBe(7);
    await page.screenshot({ path: join(shots, "week.png"), fullPage: true });
    await page.goto(`${server.url}/console/#/day/${day}`);
    await page.locator('[data-testid="calendar"][data-view="day"]').waitFor();
  });

  it("shows a booking made by another staff member within a second", async () => {
    const service = services.find((s) => s.slug === "corte-hombre")!;
    const stylist = staffOffering(service.id)[0]!;
    const slots = await desk.availability.search.query({
      items: [{ serviceId: service.id, staffId: stylist.id }],
      fromDate: day,
      toDate: day,
    });
    const slot = slots[Math.floor(slots.length / 2)]!;
    const customer = (await desk.customers.search.query({ query: "Javier" })).items[0]!;
    const created = await desk.bookings.create.mutate({
      customerId: customer.id,
      startsAt: slot.start,
      items: [{ serviceId: service.id, staffId: stylist.id }],
    });
    const committed = Date.now();
    await block(page, created.id).waitFor({ timeout: 1000 });
    const elapsed = Date.now() - committed;
    expect(elapsed).toBeLessThan(1000);
    await expect(
      page.locator(`.col[data-column-key="${stylist.id}"] .block[data-booking-id="${created.id}"]`).count(),
    ).resolves.toBe(1);
  });

  let createdId = "";
  it("creates a booking by clicking free time", async () => {
    const service = cut();
    const stylist =
      staffOffering(service.id).find((s) => s.email === "laura@cita.demo") ?? staffOffering(service.id)[0]!;
    const slots = await desk.availability.search.query({
      items: [{ serviceId: service.id, staffId: stylist.id }],
      fromDate: day,
      toDate: day,
    });
    expect(slots.length).toBeGreaterThan(0);
    const slot = slots[Math.floor(slots.length / 3)]!;
    const at = await pointIn(page, stylist.id, Date.parse(slot.start));
    await page.mouse.click(at.x, at.y + 2);
    const dialog = page.getByTestId("create-dialog");
    await dialog.waitFor();
    await dialog.getByTestId("service-select").selectOption(service.id);
    await expect(dialog.getByTestId("create-time").textContent()).resolves.toBe(local(slot.start).hhmm);
    await dialog.getByTestId("customer-search").fill("Carmen");
    await dialog.getByRole("button", { name: /Carmen Rodríguez/ }).click();
    await dialog.getByTestId("create-submit").click();
    await page.getByTestId("drawer").waitFor();
    const mine = (
      await desk.bookings.search.query({ fromDate: day, toDate: day, staffId: stylist.id, limit: 500 })
    ).items.find((b) => b.startsAt === new Date(slot.start).toISOString() && OPEN.has(b.status));
    expect(mine, "the booking exists on the server").toBeDefined();
    expect(mine!.source).toBe("console");
    createdId = mine!.id;
    await block(page, createdId).waitFor();
    await page.getByTestId("drawer").getByRole("button", { name: "Cerrar", exact: true }).click();
  });

  let movedId = "";
  it("drags a booking to another stylist and time; the server moves it", async () => {
    const original = await desk.bookings.get.query({ id: createdId });
    const service = cut();
    const target = staffOffering(service.id).find((s) => s.id !== original.items[0]!.staffId && s.id !== undefined)!;
    const candidates = await desk.availability.search.query({
      items: [{ serviceId: service.id, staffId: target.id }],
      fromDate: day,
      toDate: day,
    });
    // A free time on the other stylist, at least an hour away from the original.
    const from = local(original.startsAt).minutes;
    const slot = candidates.find((s) => Math.abs(local(s.start).minutes - from) >= 60) ?? candidates[0]!;
    await drag(page, createdId, target.id, local(slot.start).minutes - from);
    await expect
      .poll(async () => (await desk.bookings.get.query({ id: createdId })).status, { timeout: 10_000 })
      .toBe("cancelled");
    const moved = (
      await desk.bookings.search.query({ fromDate: day, toDate: day, staffId: target.id, limit: 500 })
    ).items.find((b) => b.rescheduledFromId === createdId);
    expect(moved).toBeDefined();
    expect(moved!.startsAt).toBe(new Date(slot.start).toISOString());
    movedId = moved!.id;
    await page.locator(`.col[data-column-key="${target.id}"] .block[data-booking-id="${movedId}"]`).waitFor();
    await expect(block(page, createdId).count()).resolves.toBe(0);
  });

  it("refuses a drag onto a taken time, puts the booking back and says why", async () => {
    const moved = await desk.bookings.get.query({ id: movedId });
    const service = cut();
    // Someone else books another stylist who does this service; then we drop ours onto that time.
    const other = staffOffering(service.id).find((s) => s.id !== moved.items[0]!.staffId)!;
    const free = await desk.availability.search.query({
      items: [{ serviceId: service.id, staffId: other.id }],
      fromDate: day,
      toDate: day,
    });
    expect(free.length).toBeGreaterThan(0);
    const customer = (await desk.customers.search.query({ query: "Lucía" })).items[0]!;
    const victim = await desk.bookings.create.mutate({
      customerId: customer.id,
      startsAt: free[Math.floor(free.length / 2)]!.start,
      items: [{ serviceId: service.id, staffId: other.id }],
    });
    await block(page, victim.id).waitFor();
    const before = await block(page, movedId).boundingBox();
    const delta = local(victim.startsAt).minutes - local(moved.startsAt).minutes;
    await drag(page, movedId, other.id, delta);
    const toast = page.locator('[data-testid="toast"][data-kind="error"]');
    await toast.waitFor({ timeout: 10_000 });
    const message = await toast.textContent();
    expect(message).toContain("No se pudo mover la cita");
    expect(message).toContain("Esa hora se acaba de ocupar");
    expect(message).toContain("Horas libres más cercanas");
    // Back where it was, and unchanged on the server.
    await expect.poll(async () => (await block(page, movedId).boundingBox())?.y).toBeCloseTo(before!.y, 0);
    expect((await block(page, movedId).boundingBox())!.x).toBeCloseTo(before!.x, 0);
    const after = await desk.bookings.get.query({ id: movedId });
    expect(after.version).toBe(moved.version);
    expect(after.status).toBe(moved.status);
  });

  it("cancels with the refund decision shown first", async () => {
    const bookings = (await dayBookings()).filter((b) => OPEN.has(b.status) && b.status !== "checked_in");
    const target = bookings.find((b) => b.depositCents > 0) ?? bookings[0]!;
    const expected = await desk.bookings.previewCancel.query({ id: target.id });
    await block(page, target.id).click({ position: { x: 12, y: 5 } });
    const drawer = page.getByTestId("drawer");
    await drawer.waitFor();
    await drawer.getByTestId("action-cancel").click();
    await expect(drawer.getByTestId("cancel-explanation").textContent()).resolves.toBe(expected.explanation.es);
    await drawer.getByTestId("cancel-reason").fill("La clienta llamó para anular");
    await drawer.getByTestId("cancel-confirm").click();
    await expect.poll(async () => (await desk.bookings.get.query({ id: target.id })).status).toBe("cancelled");
    const after = await desk.bookings.get.query({ id: target.id });
    expect(after.cancelReason).toBe("La clienta llamó para anular");
    await expect(drawer.getByTestId("drawer-status").textContent()).resolves.toBe("Cancelada");
    await page.keyboard.press("Escape");
    await expect.poll(() => block(page, target.id).count()).toBe(0);
  });

  it("checks a customer in", async () => {
    const target = (await dayBookings()).find((b) => b.status === "confirmed")!;
    await block(page, target.id).click({ position: { x: 12, y: 5 } });
    const drawer = page.getByTestId("drawer");
    await drawer.getByTestId("action-check-in").click();
    await expect.poll(async () => (await desk.bookings.get.query({ id: target.id })).status).toBe("checked_in");
    await expect(drawer.getByTestId("drawer-status").textContent()).resolves.toBe("En el salón");
    await expect.poll(() => block(page, target.id).getAttribute("data-status")).toBe("checked_in");
    // The history (managers see it) records the check-in.
    await expect
      .poll(() => drawer.locator('[data-testid="history"] li[data-action="booking.checked_in"]').textContent())
      .toContain("Llegó al salón");
    expect(await drawer.getByTestId("history").textContent()).not.toContain("booking.");
    await page.keyboard.press("Escape");
  });

  it("lists bookings with filters, search and keyboard navigation", async () => {
    await page.getByTestId("nav-bookings").click();
    const list = page.getByTestId("bookings-list");
    await list.waitFor();
    const from = local(nowMs()).date;
    await list.getByTestId("list-source").selectOption("whatsapp");
    const expected = (
      await desk.bookings.search.query({ fromDate: from, toDate: addDays(from, 7), source: ["whatsapp"], limit: 200 })
    ).items;
    expect(expected.length).toBeGreaterThan(0);
    const rows = list.locator('[role="option"]');
    await expect.poll(() => rows.count()).toBe(expected.length);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-booking-id")))).toEqual(
      expected.map((b) => b.id),
    );
    // Text search narrows to one customer's bookings.
    const name = (await desk.customers.get.query({ customerId: expected[0]!.customerId })).customer.name!;
    await list.getByTestId("list-search").fill(name);
    const theirs = expected.filter((b) => b.customerId === expected[0]!.customerId);
    await expect.poll(() => rows.count()).toBe(theirs.length);
    await list.getByTestId("list-search").fill("");
    await expect.poll(() => rows.count()).toBe(expected.length);
    // ↓ ↓ Enter opens the third row.
    await list.getByTestId("list-rows").focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await expect(rows.nth(2).getAttribute("aria-selected")).resolves.toBe("true");
    await page.keyboard.press("Enter");
    await expect(page.getByTestId("drawer").getAttribute("data-booking-id")).resolves.toBe(expected[2]?.id ?? null);
    await page.keyboard.press("Escape");
    await page.evaluate((d) => {
      window.location.hash = `#/day/${d}`;
    }, day);
    await page.locator('[data-testid="calendar"][data-view="day"]').waitFor();
  });

  it("signs out: back to the sign-in screen, and the refresh token no longer works", async () => {
    // The refresh token is in an httpOnly cookie (the page cannot read it; the browser context can).
    const cookie = (await context.cookies()).find((c) => c.name === "cita_refresh");
    expect(cookie?.httpOnly).toBe(true);
    const refreshToken = cookie!.value.slice(2);
    await page.getByTestId("sign-out").click();
    await page.getByTestId("sign-in").waitFor();
    await expect(page.getByTestId("sign-in-message").textContent()).resolves.toBe("Has cerrado la sesión.");
    expect(await context.cookies()).toEqual([]);
    const anon = anonClient(server.url);
    await expect(anon.auth.refresh.mutate({ refreshToken })).rejects.toThrow();
    await context.close();
  });

  // Thirty seconds of real waiting that does not depend on the date: not repeated in the hard-dates run.
  it.skipIf(TEST_NOW)(
    "resumes the live stream after 30 s offline and shows every change made meanwhile",
    async () => {
      const { context: ctx, page: p } = await newPage();
      await signIn(p);
      const service = services.find((s) => s.slug === "lavado-peinado")!;
      const customer = (await desk.customers.search.query({ query: "Paula" })).items[0]!;
      const freeSlot = async (offset: number) => {
        for (const stylist of staffOffering(service.id)) {
          const slots = await desk.availability.search.query({
            items: [{ serviceId: service.id, staffId: stylist.id }],
            fromDate: day,
            toDate: day,
          });
          if (slots.length > offset) return { stylist, slot: slots[slots.length - 1 - offset]! };
        }
        throw new Error("no free slot");
      };
      const toCancel = (await dayBookings()).find((b) => OPEN.has(b.status) && b.status !== "checked_in")!;
      await block(p, toCancel.id).waitFor();

      await ctx.setOffline(true);
      const offlineAt = Date.now();
      await new Promise((r) => setTimeout(r, 5000));
      const a = await freeSlot(0);
      const first = await desk.bookings.create.mutate({
        customerId: customer.id,
        startsAt: a.slot.start,
        items: [{ serviceId: service.id, staffId: a.stylist.id }],
      });
      await new Promise((r) => setTimeout(r, 10_000));
      await desk.bookings.cancel.mutate({ id: toCancel.id, by: "customer", reason: "Offline test" });
      await new Promise((r) => setTimeout(r, 5000));
      const b = await freeSlot(0);
      const second = await desk.bookings.create.mutate({
        customerId: customer.id,
        startsAt: b.slot.start,
        items: [{ serviceId: service.id, staffId: b.stylist.id }],
      });
      await new Promise((r) => setTimeout(r, Math.max(0, 30_000 - (Date.now() - offlineAt))));
      // Nothing could arrive while offline.
      expect(await block(p, first.id).count()).toBe(0);
      await ctx.setOffline(false);

      await block(p, first.id).waitFor({ timeout: 20_000 });
      await block(p, second.id).waitFor({ timeout: 20_000 });
      await expect.poll(() => block(p, toCancel.id).count(), { timeout: 20_000 }).toBe(0);
      await p.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: 20_000 });
      // And it is live again: one more change arrives without a reload.
      const c = await freeSlot(1);
      const third = await desk.bookings.create.mutate({
        customerId: customer.id,
        startsAt: c.slot.start,
        items: [{ serviceId: service.id, staffId: c.stylist.id }],
      });
      await block(p, third.id).waitFor({ timeout: 2000 });
      await ctx.close();
    },
    120_000,
  );

  it("goes back to sign-in with a message when a manager ends the session", async () => {
    const { context: ctx, page: p } = await newPage();
    await signIn(p);
    const owner = (await staffClient(server.url, "owner@cita.demo", "cita-owner-demo")).client;
    const manager = staff.find((s) => s.email === "manager@cita.demo")!;
    expect((await owner.auth.endSessions.mutate({ staffId: manager.id })).endedSessions).toBeGreaterThan(0);
    // The open live stream ends within seconds (its session is re-checked), and the next call the
    // console makes is refused: whichever comes first ends the session and says so.
    await p
      .getByRole("button", { name: /Siguiente/ })
      .click({ timeout: 1_000 })
      .catch(() => {}); // already back at sign-in: the stream was first
    await p.getByTestId("sign-in").waitFor({ timeout: 10_000 });
    await expect(p.getByTestId("sign-in-message").textContent()).resolves.toBe(
      "Tu sesión ha terminado. Vuelve a iniciar sesión.",
    );
    // The ended sign-in's cookie is cleared too: a reload opens the sign-in page without a message.
    await expect.poll(async () => (await ctx.cookies()).length, { timeout: 10_000 }).toBe(0);
    await ctx.close();
  });
});

describe("the server's /console route", () => {
  let t: TestDatabase;
  let server: ConsoleServer;
  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startConsoleServer(t.url);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await t?.drop();
  });

  it("serves the built console with a CSP that only allows its own origin", async () => {
    const redirect = await fetch(`${server.url}/console`, { redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/console/");
    const page = await fetch(`${server.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await page.text();
    const script = html.match(/src="\.\/(assets\/index-[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${server.url}/console/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toContain("immutable");
    // Read it whole: an unread bundle larger than the socket buffers keeps the response in flight,
    // and the server's graceful close waits for it.
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/console/../package.json`)).status).toBe(404);
  });
});
