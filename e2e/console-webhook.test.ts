// A booking made on WhatsApp appears in an open console within a second: a customer books through
// signed Chatwoot webhooks (queue → guided agent → hold), and the day view, already open in Chromium,
// draws the new booking from the live stream. The page records when each booking block first
// appears; that instant is compared with the booking row's creation (same machine clock).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browser, buildRenderer, chromiumAvailable, launchChromium } from "../apps/desktop/test/harness.ts";
import { findSlots, slotView } from "../apps/server/src/availability/find.ts";
import { chatwootMessage, deliverChatwoot } from "../apps/server/src/channels/fakes/fake-chatwoot.ts";
import { type AvailabilitySearch, salonDays } from "../apps/server/src/testing/salon-days.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import { type ChatServer, CW, DEMO, newPage, signIn, startChatServer, until } from "./console-support.ts";

const CONVERSATION = 5151;
const PHONE = "+34600123987"; // a new customer

const TZ = "Europe/Madrid";
const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(ms);
const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

interface Posted {
  content: string;
  items: string[];
}

describe.skipIf(!chromiumAvailable())("a WhatsApp booking appears live in the console", () => {
  let t: TestDatabase;
  let server: ChatServer;
  let browser: Browser;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startChatServer(t.url);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  /** Everything the bot posted to this Chatwoot conversation, with the titles of any choices. */
  const posted = (): Posted[] =>
    server.chatwoot
      .sentMessages()
      .filter((r) => r.path.endsWith(`/conversations/${CONVERSATION}/messages`))
      .map((r) => {
        const b = r.body as { content?: string; content_attributes?: { items?: { title: string }[] } };
        return { content: b.content ?? "", items: (b.content_attributes?.items ?? []).map((i) => i.title) };
      });

  async function says(content: string) {
    const r = await deliverChatwoot(
      `${server.url}/webhooks/chatwoot`,
      chatwootMessage({ conversationId: CONVERSATION, phone: PHONE, name: "Nerea Live", content, status: "pending" }),
      { secret: CW.secret },
    );
    expect(r.status).toBe(200);
  }

  /** Waits for a new bot message (after `seen` of them) matching `match`, and returns it. */
  async function reply(seen: number, match: (p: Posted) => boolean): Promise<Posted> {
    return until(async () => posted().slice(seen).find(match), 30_000);
  }

  it("draws the booking within a second of its commit", async () => {
    // A day at least two days ahead on which the salon has plenty of men's cuts free, asked of the salon.
    const db = server.running.services.db;
    const men = await db.service.findFirstOrThrow({ where: { slug: "corte-hombre" } });
    const barbers = await db.staffService.findMany({ where: { serviceId: men.id }, select: { staffId: true } });
    const search: AvailabilitySearch = (input) =>
      findSlots(db, { ...input, locationId: men.locationId, now: server.running.services.clock() }).then((s) =>
        s.map(slotView),
      );
    const [day] = await salonDays(search, addDays(localDate(nowMs()), 2), [
      { serviceId: men.id, staffIds: barbers.map((b) => b.staffId), minStaff: 2, minSlots: 4 },
    ]);

    const { page } = await newPage(browser);
    // Record, in the page, when each booking block is first drawn.
    await page.addInitScript(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __firstDrawn: typeof seen }).__firstDrawn = seen;
      new MutationObserver(() => {
        document.querySelectorAll<HTMLElement>(".block[data-booking-id]").forEach((el) => {
          const id = el.dataset.bookingId!;
          seen[id] ??= Date.now();
        });
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    await signIn(page, server.url, DEMO.desk, `#/day/${day}`);

    let n = posted().length;
    await says("Hola, quiero reservar un corte");
    const services = await reply(n, (p) => p.items.includes("Corte hombre"));
    n = posted().length;
    await says(services.items.find((i) => i === "Corte hombre")!);
    await reply(n, (p) => /día/i.test(p.content));
    n = posted().length;
    await says(`${day.slice(8, 10)}/${day.slice(5, 7)}`);
    const slots = await reply(n, (p) => p.items.length > 0);
    n = posted().length;
    await says(slots.items[0]!);
    const proposal = await reply(n, (p) => p.items.some((i) => /confirmo/i.test(i)));
    await says(proposal.items.find((i) => /confirmo/i.test(i))!);

    const customer = await until(() =>
      t.db.customer.findFirst({ where: { conversations: { some: { externalId: String(CONVERSATION) } } } }),
    );
    const booking = await until(
      () =>
        t.db.booking.findFirst({
          where: { customerId: customer.id, source: "whatsapp" },
          select: { id: true, createdAt: true },
        }),
      30_000,
    );
    const block = page.locator(`.block[data-booking-id="${booking.id}"]`);
    await block.waitFor({ timeout: 5_000 });
    const drawnAt = await page.evaluate(
      (id) => (window as unknown as { __firstDrawn: Record<string, number> }).__firstDrawn[id],
      booking.id,
    );
    expect(drawnAt, "the page never recorded the block").toBeTypeOf("number");
    const elapsed = drawnAt! - booking.createdAt.getTime();
    console.log(`WhatsApp booking drawn in the console ${elapsed} ms after its row was written`);
    expect(elapsed).toBeGreaterThanOrEqual(0);
    expect(elapsed).toBeLessThan(1000);
    expect(await block.textContent()).toContain("Corte hombre");
  }, 180_000);
});
