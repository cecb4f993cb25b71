// The console's Chats and Customers in Debian's Chromium against a real Cita server (demo salon,
// pg-boss jobs, the guided agent) wired to a fake Chatwoot: a signed webhook asking for a person
// escalates the chat live (inbox + notification), the desk takes it over, replies (the reply reaches
// Chatwoot through the outbox), a manager at another desk sees who has it, the desk hands back, and
// the bot answers the next message. Customers: search by phone and name, history, notes that persist.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
import { photoJpeg } from "../apps/server/src/agent/testing/photos.ts";
import { chatwootMessage, deliverChatwoot } from "../apps/server/src/channels/fakes/fake-chatwoot.ts";
import { createTestDatabase, type TestDatabase } from "../apps/server/src/testing/test-db.ts";
import { nowMs } from "../apps/server/src/testing/test-now.ts";
import {
  type ChatServer,
  CW,
  DEMO,
  newPage,
  notificationsOf,
  recordNotifications,
  signIn,
  startChatServer,
  until,
} from "./console-support.ts";

const canRun = chromiumAvailable();
const shots = join(fileURLToPath(new URL("..", import.meta.url)), "test-results", "console");
const CW_CONVERSATION = 4242;
const OTHER_CONVERSATION = 4243;
const PHONE = "+34600111213"; // Miguel Castro, a demo customer

describe.skipIf(!canRun)("console chats and customers in Chromium", () => {
  let t: TestDatabase;
  let server: ChatServer;
  let browser: Browser;
  let desk: StaffClient;
  let page: Page;
  let conversationId = "";
  const webhook = () => `${server.url}/webhooks/chatwoot`;

  beforeAll(async () => {
    await buildRenderer();
    t = await createTestDatabase();
    server = await startChatServer(t.url);
    desk = (await staffClient(server.url, DEMO.desk.email, DEMO.desk.password)).client;
    browser = await launchChromium();
    await mkdir(shots, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await t?.drop();
  });

  /** What the fake Chatwoot received for a conversation (messages posted through its REST API). */
  const posted = (conv: number) =>
    server.chatwoot
      .sentMessages()
      .filter((r) => r.path.endsWith(`/conversations/${conv}/messages`))
      .map((r) => (r.body as { content: string }).content);

  async function customerWrites(conv: number, content: string, phone = PHONE, name = "Miguel") {
    const r = await deliverChatwoot(
      webhook(),
      chatwootMessage({ conversationId: conv, phone, name, content, status: "pending" }),
      { secret: CW.secret },
    );
    expect(r.status).toBe(200);
  }

  const conversation = () => page.getByTestId("conversation");
  const messages = (author?: string) =>
    conversation().locator(author ? `[data-testid="message"][data-author="${author}"]` : '[data-testid="message"]');

  it("shows an escalated chat live at the top of the inbox, with the agent's reason and a notification", async () => {
    const { context, page: p } = await newPage(browser);
    page = p;
    await recordNotifications(context);
    await signIn(page, server.url, DEMO.desk, "#/chats");
    await page.getByTestId("inbox").waitFor();

    // A chat the bot handles, then one asking for a person: the second goes first.
    await customerWrites(OTHER_CONVERSATION, "Hola, ¿qué horario tenéis?", "+34600111214", "Alejandro");
    await until(async () => posted(OTHER_CONVERSATION).length > 0, 20_000);
    await customerWrites(CW_CONVERSATION, "quiero hablar con una persona");

    const waitingRow = page.locator('[data-testid="inbox-row"][data-waiting="true"]');
    await waitingRow.waitFor({ timeout: 20_000 });
    await expect.poll(() => waitingRow.textContent()).toContain("Miguel Castro");
    conversationId = (await waitingRow.getAttribute("data-conversation-id"))!;
    const server_ = await desk.chats.get.query({ conversationId });
    expect(server_.conversation).toMatchObject({ mode: "human", waiting: true, channel: "chatwoot" });
    expect(server_.conversation.escalationReason).toBeTruthy();
    // The waiting chat is listed before the bot's one, and says why it is waiting.
    await expect
      .poll(async () => page.getByTestId("inbox-row").first().getAttribute("data-conversation-id"))
      .toBe(conversationId);
    expect(await page.locator('[data-testid="inbox-row"]').count()).toBeGreaterThanOrEqual(2);
    // In words, not the agent's code ("customer_request").
    await expect
      .poll(() => waitingRow.getByTestId("inbox-escalation").getAttribute("data-reason"))
      .toBe(server_.conversation.escalationReason);
    const why = (await waitingRow.getByTestId("inbox-escalation").textContent()) ?? "";
    expect(why).not.toContain(server_.conversation.escalationReason!);
    expect(why).toMatch(/persona|Queja/);
    await expect(page.getByTestId("nav-waiting").textContent()).resolves.toBe("1");

    // The native notification (through window.cita.notify → the Notification API in a browser).
    const shown = await until(async () => {
      const n = await notificationsOf(page);
      return n.length ? n : null;
    });
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe("Un cliente pide hablar con una persona");
    expect(shown[0]!.body).toContain("Miguel Castro");
    expect(shown[0]!.body).not.toContain(server_.conversation.escalationReason!);
    expect(shown[0]!.tag).toBe(`chat-${conversationId}`);
  });

  it("opens the transcript and takes the chat over: the bot stops and Chatwoot is told", async () => {
    await page.locator(`[data-testid="inbox-row"][data-conversation-id="${conversationId}"]`).click();
    await conversation().waitFor();
    await expect.poll(() => messages("customer").first().textContent()).toContain("quiero hablar con una persona");
    // The assistant's handover message is part of the transcript, with its delivery status.
    await expect.poll(() => messages("bot").count()).toBeGreaterThan(0);
    await expect
      .poll(() => messages("bot").last().getByTestId("delivery").getAttribute("data-status"), { timeout: 15_000 })
      .toBe("sent");
    await expect(conversation().getByTestId("conv-escalation").textContent()).resolves.toBeTruthy();
    await expect(conversation().getAttribute("data-mode")).resolves.toBe("human");
    // Front desk does not open agent turns (managers and owners do; the server refuses the rest).
    expect(await conversation().getByTestId("turn-explain").count()).toBe(0);

    await conversation().getByTestId("take-over").click();
    await expect.poll(() => conversation().getAttribute("data-mine")).toBe("true");
    await expect(conversation().getByTestId("conv-owner").textContent()).resolves.toBe("Llevas tú este chat");
    const after = await desk.chats.get.query({ conversationId });
    expect(after.conversation.assignedStaffName).toBe(DEMO.desk.name);
    expect(after.conversation.waiting).toBe(false);
    await until(async () => server.chatwoot.statuses.get(String(CW_CONVERSATION)) === "open");
    await expect(conversation().getByTestId("window").getAttribute("data-state")).resolves.toBe("open");
    // No longer waiting: the badge goes.
    await expect.poll(() => page.getByTestId("nav-waiting").count()).toBe(0);
  });

  it("shows a second staff member who has the chat, and offers to take it over anyway", async () => {
    const { context, page: other } = await newPage(browser);
    try {
      await signIn(other, server.url, DEMO.manager, `#/chats/${conversationId}`);
      const conv = other.getByTestId("conversation");
      await conv.waitFor();
      await expect.poll(() => conv.getByTestId("conv-owner").textContent()).toBe(`La lleva: ${DEMO.desk.name}`);
      await expect
        .poll(() => other.locator(`[data-testid="inbox-row"][data-conversation-id="${conversationId}"]`).textContent())
        .toContain(DEMO.desk.name);
      // Taking it without knowing is refused by the server, naming the owner.
      await conv.getByTestId("take-over").click();
      await expect.poll(() => conv.getByTestId("conflict-owner").textContent()).toBe(DEMO.desk.name);
      await expect(conv.getByTestId("take-over-anyway").isVisible()).resolves.toBe(true);
      const still = await desk.chats.get.query({ conversationId });
      expect(still.conversation.assignedStaffName).toBe(DEMO.desk.name);

      // A manager opens the turn behind the assistant's reply: who answered and what it did, in words.
      const bot = conv.locator('[data-testid="message"][data-author="bot"]').last();
      await bot.getByTestId("turn-explain").getByRole("button").click();
      const details = bot.getByTestId("turn-details");
      await expect.poll(() => details.textContent(), { timeout: 10_000 }).toContain("Modo guiado (sin IA)");
      const said = (await details.textContent()) ?? "";
      expect(said).toMatch(/Qué hizo/);
      expect(said).not.toMatch(/handover_to_human|customer_request|guided\b|[0-9a-f]{8}-[0-9a-f]{4}-/);
      await other.screenshot({ path: join(shots, "chat-turn-manager.png") });
    } finally {
      await context.close();
    }
  });

  it("sends the staff reply through the outbox to Chatwoot, keeps notes internal", async () => {
    const text = "Hola Miguel, soy Lucía del salón. ¿En qué te puedo ayudar?";
    const before = posted(CW_CONVERSATION).length;
    await conversation().getByTestId("reply-text").fill(text);
    await conversation().getByTestId("reply-send").click();
    await until(async () => posted(CW_CONVERSATION).includes(text), 20_000);
    expect(posted(CW_CONVERSATION)).toHaveLength(before + 1);
    const staffMsg = messages("staff").filter({ hasText: text });
    await expect.poll(() => staffMsg.count()).toBe(1);
    await expect
      .poll(() => staffMsg.getByTestId("delivery").getAttribute("data-status"), { timeout: 15_000 })
      .toBe("sent");
    expect(await staffMsg.textContent()).toContain(DEMO.desk.name);

    await conversation().locator(".note-box summary").click();
    await conversation().getByTestId("note-text").fill("Cliente habitual, prefiere por la tarde");
    await conversation().getByTestId("note-send").click();
    await expect
      .poll(() => conversation().locator('[data-testid="message"][data-kind="note"]').textContent())
      .toContain("prefiere por la tarde");
    await new Promise((r) => setTimeout(r, 1000));
    expect(posted(CW_CONVERSATION).some((c) => c.includes("prefiere por la tarde"))).toBe(false);
    // The messages this left ("Respuesta en cola", "Nota añadida") sit clear of every field and button.
    expect(await page.getByTestId("toast").count()).toBeGreaterThan(0);
    const covered = await page.evaluate(() => {
      const boxes = (sel: string) =>
        Array.from(document.querySelectorAll(sel))
          .map((el) => el.getBoundingClientRect())
          .filter((r) => r.width > 0 && r.height > 0);
      const toasts = boxes('[data-testid="toast"]');
      const fields = boxes("input, textarea, select, button, summary");
      return toasts.some((t) =>
        fields.some((f) => t.left < f.right && f.left < t.right && t.top < f.bottom && f.top < t.bottom),
      );
    });
    expect(covered).toBe(false);
    await page.screenshot({ path: join(shots, "chat.png") });
  });

  it("hands back with a note; the bot answers the customer's next message", async () => {
    await conversation().getByTestId("hand-back-note").fill("Ya está atendido; si pide cita, ofrécele tarde");
    await conversation().getByTestId("hand-back").click();
    await expect.poll(() => conversation().getAttribute("data-mode")).toBe("bot");
    const back = await desk.chats.get.query({ conversationId });
    expect(back.conversation).toMatchObject({ mode: "bot", assignedStaffId: null });
    expect(back.conversation.handBackNote).toBe("Ya está atendido; si pide cita, ofrécele tarde");
    // The reason it was handed over is history now: the box goes.
    await expect.poll(() => conversation().getByTestId("conv-escalation").count()).toBe(0);
    await until(async () => server.chatwoot.statuses.get(String(CW_CONVERSATION)) === "pending");

    const botBefore = await messages("bot").count();
    const sentBefore = posted(CW_CONVERSATION).length;
    await customerWrites(CW_CONVERSATION, "Hola de nuevo, quiero reservar un corte");
    // The bot's answer reaches Chatwoot, and appears live in the open transcript.
    await until(async () => posted(CW_CONVERSATION).length > sentBefore, 20_000);
    await expect.poll(() => messages("bot").count(), { timeout: 15_000 }).toBeGreaterThan(botBefore);
    await expect.poll(() => messages().last().getAttribute("data-author"), { timeout: 15_000 }).toBe("bot");
    await expect
      .poll(() => messages("customer").last().textContent())
      .toContain("Hola de nuevo, quiero reservar un corte");

    // Opened again on a short screen, where the transcript scrolls, it shows the newest message.
    await page.setViewportSize({ width: 1200, height: 520 });
    await page.evaluate(() => {
      window.location.hash = "#/chats";
    });
    await conversation().waitFor({ state: "detached" });
    await page.evaluate((id) => {
      window.location.hash = `#/chats/${id}`;
    }, conversationId);
    const transcript = conversation().getByTestId("transcript");
    await expect.poll(() => messages().count()).toBeGreaterThan(3);
    const fromEnd = () => transcript.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    expect(await transcript.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
    await expect.poll(fromEnd).toBeLessThan(2);
    await page.setViewportSize({ width: 1600, height: 1200 });
  });

  it("links a booking made in the chat to the booking drawer, and the drawer back to the chat", async () => {
    // Any booking of the coming week (whichever days the salon is open).
    const from = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Madrid" }).format(nowMs());
    const to = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Madrid" }).format(nowMs() + 7 * 86_400_000);
    const some = (await desk.bookings.search.query({ fromDate: from, toDate: to, limit: 50 })).items[0];
    expect(some, "the demo salon has bookings in the next days").toBeDefined();
    // As the agent does when it books from a chat: the booking records its conversation.
    await server.running.services.db.booking.update({ where: { id: some!.id }, data: { conversationId } });
    await page.reload();
    await conversation().waitFor();
    const link = conversation().locator(`[data-testid="conv-booking"][data-booking-id="${some!.id}"]`);
    await link.click();
    const drawer = page.getByTestId("drawer");
    await drawer.waitFor();
    expect(await drawer.getAttribute("data-booking-id")).toBe(some!.id);
    await drawer.getByTestId("open-chat").click();
    await drawer.waitFor({ state: "detached" });
    expect(new URL(page.url()).hash).toBe(`#/chats/${conversationId}`);
    await conversation().waitFor();
  });

  it("finds a customer by phone and by name, shows the history, and saves notes", async () => {
    // The demo customer with the most bookings, so the history has rows to show.
    const candidates = ["Carmen Rodríguez", "María González", "Lucía Fernández", "Isabel Sánchez", "Paula Jiménez"];
    const details = await Promise.all(
      candidates.map(async (n) => {
        const c = (await desk.customers.search.query({ query: n })).items.find((x) => x.name === n)!;
        return desk.customers.get.query({ customerId: c.id });
      }),
    );
    const detail = details.sort((a, b) => b.bookings.length - a.bookings.length)[0]!;
    const found = detail.customer;
    expect(detail.bookings.length).toBeGreaterThan(0);
    await page.getByTestId("nav-customers").click();
    const query = page.getByTestId("customer-query");
    await query.fill(found.phone!);
    await expect.poll(() => page.getByTestId("matched-by").getAttribute("data-by")).toBe("phone");
    await expect.poll(() => page.getByTestId("customer-hit").count()).toBe(1);
    expect(await page.getByTestId("customer-hit").textContent()).toContain(found.name);

    // Part of the name, without accents or capitals.
    const partial = found.name!.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().slice(0, -2);
    await query.fill(partial);
    await expect.poll(() => page.getByTestId("matched-by").getAttribute("data-by")).toBe("name");
    const hit = page.locator(`[data-testid="customer-hit"][data-customer-id="${found.id}"]`);
    await hit.click();
    const profile = page.getByTestId("customer-profile");
    await profile.waitFor();
    await expect(profile.getByTestId("customer-name").textContent()).resolves.toBe(found.name);
    await expect(profile.getByTestId("customer-no-shows").textContent()).resolves.toBe(String(detail.noShowCount));
    await expect.poll(() => profile.getByTestId("history-row").count()).toBe(detail.bookings.length);
    const first = detail.bookings[0]!;
    const row = profile.locator(`[data-testid="history-row"][data-booking-id="${first.id}"]`);
    expect(await row.textContent()).toContain(first.items[0]!.serviceNameEs);
    expect(await row.textContent()).toContain(first.items[0]!.staffName);

    const notes = `Alérgica al amoniaco · ${Date.now()}`;
    await profile.getByTestId("customer-notes").fill(notes);
    await profile.getByTestId("customer-save").click();
    await expect
      .poll(async () => (await desk.customers.get.query({ customerId: found.id })).customer.notes)
      .toBe(notes);
    await page.reload();
    await page.getByTestId("customer-profile").waitFor();
    await expect.poll(() => page.getByTestId("customer-notes").inputValue()).toBe(notes);
    await page.screenshot({ path: join(shots, "customer.png") });
    const saved = await desk.customers.get.query({ customerId: found.id });
    expect(saved.customer.version).toBe(detail.customer.version + 1);
  });

  it("lets a manager take a chat over anyway; the first desk sees it live and can no longer reply", async () => {
    await page.goto(`${server.url}/console/#/chats/${conversationId}`);
    await conversation().waitFor();
    const notified = (await notificationsOf(page)).length;
    await customerWrites(CW_CONVERSATION, "Otra vez: necesito hablar con una persona, por favor");
    await expect.poll(() => conversation().getAttribute("data-mode"), { timeout: 20_000 }).toBe("human");
    // Escalated again: notified again, with the open conversation updated live.
    const n = await until(async () => {
      const all = await notificationsOf(page);
      return all.length > notified ? all : null;
    });
    expect(n.at(-1)!.tag).toBe(`chat-${conversationId}`);
    await conversation().getByTestId("take-over").click();
    await expect.poll(() => conversation().getAttribute("data-mine")).toBe("true");
    await conversation().getByTestId("reply-text").waitFor();

    const { context, page: other } = await newPage(browser);
    try {
      await signIn(other, server.url, DEMO.manager, `#/chats/${conversationId}`);
      const conv = other.getByTestId("conversation");
      await conv.getByTestId("take-over").click();
      await conv.getByTestId("take-over-anyway").click();
      await expect.poll(() => conv.getAttribute("data-mine")).toBe("true");
      await expect(conv.getByTestId("conflict").count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
    const now = await desk.chats.get.query({ conversationId });
    expect(now.conversation.assignedStaffName).toBe(DEMO.manager.name);
    // Live on the first desk: who has it now, and no reply box.
    await expect
      .poll(() => conversation().getByTestId("conv-owner").textContent())
      .toBe(`La lleva: ${DEMO.manager.name}`);
    await expect(conversation().getByTestId("reply-text").count()).resolves.toBe(0);
  });

  it("shows a failed delivery with its reason, and offers templates once the 24-hour window has closed", async () => {
    // Take it back from the manager, knowingly.
    await conversation().getByTestId("take-over").click();
    await expect.poll(() => conversation().getByTestId("conflict-owner").textContent()).toBe(DEMO.manager.name);
    await conversation().getByTestId("take-over-anyway").click();
    await expect.poll(() => conversation().getAttribute("data-mine")).toBe("true");

    // Chatwoot refuses the next message for good: the transcript says it failed, and why.
    server.chatwoot.script("POST", new RegExp(`/conversations/${CW_CONVERSATION}/messages$`), {
      status: 422,
      body: { error: "Contact is blocked" },
    });
    const text = "¿Te viene bien el viernes?";
    await conversation().getByTestId("reply-text").fill(text);
    await conversation().getByTestId("reply-send").click();
    const failed = messages("staff").filter({ hasText: text }).getByTestId("delivery");
    await expect.poll(() => failed.getAttribute("data-status"), { timeout: 20_000 }).toBe("failed");
    const row = (await desk.chats.get.query({ conversationId })).messages.find((m) => m.body === text)!;
    expect(row.deliveryStatus).toBe("failed");
    expect(row.failureReason).toBeTruthy();
    expect(await failed.textContent()).toContain(row.failureReason!);

    // The customer's last message was 25 hours ago (as after a quiet day): only templates may go.
    await server.running.services.db.conversation.update({
      where: { id: conversationId },
      data: { lastCustomerMessageAt: new Date(Date.now() - 25 * 3_600_000) },
    });
    await page.reload();
    await conversation().waitFor();
    await expect.poll(() => conversation().getByTestId("window").getAttribute("data-state")).toBe("closed");
    expect(await conversation().getByTestId("reply-text").count()).toBe(0);
    const form = conversation().getByTestId("template-form");
    await expect(form.getByTestId("template-select").inputValue()).resolves.toBe("booking_reminder|es");
    await form.locator("textarea").fill("Miguel\nviernes 10:00");
    const sentBefore = posted(CW_CONVERSATION).length;
    await form.getByTestId("template-send").click();
    await until(async () => posted(CW_CONVERSATION).length > sentBefore, 20_000);
    expect(posted(CW_CONVERSATION).at(-1)).toContain("booking_reminder");
    expect(posted(CW_CONVERSATION).at(-1)).toContain("viernes 10:00");
    await expect
      .poll(() => conversation().locator('[data-testid="message"][data-kind="template"]').count())
      .toBeGreaterThan(0);
  });

  it("shows a customer's image and voice note in the transcript, stored by the server", async () => {
    const jpeg = await photoJpeg(3000, 2000);
    const ogg = Buffer.from(`OggS${"x".repeat(3000)}`);
    const r = await deliverChatwoot(
      webhook(),
      chatwootMessage({
        conversationId: OTHER_CONVERSATION,
        phone: "+34600111214",
        name: "Alejandro",
        content: "Así lo quiero",
        status: "pending",
        attachments: [
          { file_type: "image", data_url: server.chatwoot.addMedia("photo-1", jpeg, "image/jpeg"), extension: "jpg" },
          { file_type: "audio", data_url: server.chatwoot.addMedia("voice-1", ogg, "audio/ogg"), extension: "ogg" },
        ],
      }),
      { secret: CW.secret },
    );
    expect(r.status).toBe(200);
    const other = await until(async () =>
      (await desk.chats.list.query({ filter: "all", limit: 50 })).items.find(
        (c) => c.customerName === "Alejandro Ramos",
      ),
    );
    await page.goto(`${server.url}/console/#/chats/${other.id}`);
    await conversation().waitFor();
    const withMedia = messages("customer").filter({ hasText: "Así lo quiero" });
    await expect.poll(() => withMedia.getByTestId("attachment").count()).toBe(2);
    const image = withMedia.locator('[data-testid="attachment"][data-type="image"]');
    const voice = withMedia.locator('[data-testid="attachment"][data-type="audio"]');
    expect(await image.textContent()).toContain("Imagen");
    expect(await voice.textContent()).toContain("Nota de voz");
    // Downloaded by the media job: the transcript updates live to say it is kept on the server.
    await expect.poll(() => image.textContent(), { timeout: 20_000 }).toContain("guardado en el servidor");
    await expect.poll(() => voice.textContent(), { timeout: 20_000 }).toContain("guardado en el servidor");
    expect(await image.textContent()).toContain("image/jpeg");
    // The photo itself, scaled down by the server (3000×2000 → 1024×683), without its GPS EXIF.
    const shown = image.getByTestId("chat-image");
    await shown.waitFor({ timeout: 10_000 });
    await expect.poll(() => shown.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1024);
    expect(await shown.evaluate((img: HTMLImageElement) => img.naturalHeight)).toBe(683);
    const preview = await desk.chats.media.query({
      conversationId: other.id,
      messageId: (await withMedia.getAttribute("data-message-id"))!,
      index: 0,
    });
    // The phone's EXIF (with its GPS position) was in the photo sent, and is not in what staff see.
    expect(jpeg.includes(Buffer.from("Exif\0\0"))).toBe(true);
    expect(Buffer.from(preview.dataUrl.split(",")[1]!, "base64").includes(Buffer.from("Exif\0\0"))).toBe(false);
    await page.screenshot({ path: join(shots, "chat-image.png") });
  });
});
