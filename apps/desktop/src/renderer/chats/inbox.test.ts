import { describe, expect, it } from "vitest";
import {
  ChatInbox,
  type ChatItem,
  conversationEvent,
  formatRemaining,
  inboxGroup,
  ownerOf,
  sortInbox,
  totalUnread,
  unreadFor,
  windowState,
} from "./inbox.ts";

const ME = "00000000-0000-4000-8000-0000000000aa";
const OTHER = "00000000-0000-4000-8000-0000000000bb";

function chat(id: string, o: Partial<ChatItem> = {}): ChatItem {
  return {
    id,
    channel: "chatwoot",
    mode: "bot",
    waiting: false,
    customerId: `cust-${id}`,
    customerName: `Customer ${id}`,
    customerPhone: "+34600000000",
    assignedStaffId: null,
    assignedStaffName: null,
    escalationReason: null,
    lastMessageAt: "2026-11-20T10:00:00.000Z",
    lastMessagePreview: "hola",
    unread: 0,
    version: 1,
    ...o,
  };
}

describe("inbox ordering", () => {
  it("puts chats waiting for a person first (server order kept), then people's chats (mine first), then the bot's by recency", () => {
    const items = [
      chat("bot-old", { lastMessageAt: "2026-11-20T08:00:00.000Z" }),
      chat("human-other", { mode: "human", assignedStaffId: OTHER, lastMessageAt: "2026-11-20T12:00:00.000Z" }),
      // The server sends waiting chats oldest escalation first, whatever their last message time.
      chat("waiting-1", { mode: "human", waiting: true, lastMessageAt: "2026-11-20T09:00:00.000Z" }),
      chat("waiting-2", { mode: "human", waiting: true, lastMessageAt: "2026-11-20T11:00:00.000Z" }),
      chat("bot-new", { lastMessageAt: "2026-11-20T11:30:00.000Z" }),
      chat("human-mine", { mode: "human", assignedStaffId: ME, lastMessageAt: "2026-11-20T07:00:00.000Z" }),
      chat("bot-never", { lastMessageAt: null }),
    ];
    expect(sortInbox(items, ME).map((c) => c.id)).toEqual([
      "waiting-1",
      "waiting-2",
      "human-mine",
      "human-other",
      "bot-new",
      "bot-old",
      "bot-never",
    ]);
    // Without knowing who is looking, people's chats are just by recency.
    expect(
      sortInbox(items, null)
        .filter((c) => inboxGroup(c) === "human")
        .map((c) => c.id),
    ).toEqual(["human-other", "human-mine"]);
    expect(items[0]!.id).toBe("bot-old"); // not sorted in place
  });
});

describe("unread counting", () => {
  it("uses the server's count until this console has seen the chat's latest message", () => {
    const a = chat("a", { unread: 3, lastMessageAt: "2026-11-20T10:00:00.000Z" });
    const b = chat("b", { unread: 2 });
    const c = chat("c", { unread: 0 });
    const seen = new Map<string, string | null>();
    expect(totalUnread([a, b, c], seen)).toBe(5);
    seen.set("a", "2026-11-20T10:00:00.000Z");
    expect(unreadFor(a, seen)).toBe(0);
    expect(totalUnread([a, b, c], seen)).toBe(2);
    // A newer customer message makes it unread again, with the server's count.
    const a2 = { ...a, unread: 4, lastMessageAt: "2026-11-20T10:05:00.000Z" };
    expect(unreadFor(a2, seen)).toBe(4);
    expect(unreadFor(c, new Map([["c", null]]))).toBe(0);
  });
});

describe("the 24-hour window", () => {
  const now = Date.parse("2026-11-20T10:00:00.000Z");
  it("is open, closing in its last hour, closed after, and absent when the customer never wrote", () => {
    expect(windowState(null, now)).toEqual({ state: "none" });
    expect(windowState("2026-11-21T09:00:00.000Z", now)).toMatchObject({ state: "open", remainingMs: 23 * 3_600_000 });
    expect(windowState("2026-11-20T10:45:00.000Z", now)).toMatchObject({ state: "closing", remainingMs: 45 * 60_000 });
    expect(windowState("2026-11-20T10:00:00.000Z", now)).toMatchObject({ state: "closed" });
    expect(windowState("2026-11-19T10:00:00.000Z", now)).toEqual({
      state: "closed",
      closedAt: Date.parse("2026-11-19T10:00:00.000Z"),
    });
  });
  it("says how long is left", () => {
    expect(formatRemaining(23 * 3_600_000 + 5 * 60_000)).toBe("23 h 5 min");
    expect(formatRemaining(12 * 60_000 + 59_000)).toBe("12 min");
    expect(formatRemaining(30_000)).toBe("<1 min");
  });
});

describe("events and conflicts", () => {
  it("reads conversation events and who owns a chat from a CONFLICT", () => {
    expect(conversationEvent({ entityType: "booking", entityId: "x", data: {} })).toBeNull();
    expect(conversationEvent({ entityType: "conversation", entityId: "c1", data: { event: "escalated" } })).toEqual({
      conversationId: "c1",
      event: "escalated",
    });
    expect(conversationEvent({ entityType: "conversation", entityId: "c1" })).toEqual({
      conversationId: "c1",
      event: null,
    });
    expect(ownerOf({ ownerId: OTHER, ownerName: "Lucía" })).toEqual({ id: OTHER, name: "Lucía" });
    expect(ownerOf({ mode: "bot" })).toBeNull();
    expect(ownerOf(undefined)).toBeNull();
  });
});

/** A fake chats API with a list the test changes, counting calls. */
function fakeApi(initial: ChatItem[]) {
  const state = { items: initial, lists: 0, gets: 0, fail: false };
  const api = {
    chats: {
      list: {
        query: async () => {
          state.lists++;
          if (state.fail) throw new TypeError("Failed to fetch");
          return { items: state.items };
        },
      },
      get: {
        query: async ({ conversationId }: { conversationId: string }) => {
          state.gets++;
          return { conversation: { escalationSummary: `summary of ${conversationId}` } };
        },
      },
    },
  };
  return { api: api as never, state };
}

function manualTimers() {
  const pending: (() => void)[] = [];
  return {
    setTimer: (fn: () => void) => {
      pending.push(fn);
      return pending.length;
    },
    clearTimer: () => {},
    fire: () => {
      const fns = pending.splice(0);
      for (const f of fns) f();
    },
    get count() {
      return pending.length;
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("ChatInbox", () => {
  it("coalesces a burst of conversation events into one reload and notifies each live escalation once", async () => {
    const { api, state } = fakeApi([chat("a"), chat("b")]);
    const timers = manualTimers();
    const escalated: { id: string; summary: string | null }[] = [];
    const inbox = new ChatInbox(api, {
      myStaffId: ME,
      onEscalated: (c, summary) => escalated.push({ id: c.id, summary }),
      ...timers,
    });
    await inbox.refresh();
    expect(inbox.getSnapshot().items.map((c) => c.id)).toEqual(["a", "b"]);
    expect(state.lists).toBe(1);

    // The agent escalates "b": message received, escalated, message sent — one timer, one reload.
    state.items = [
      chat("b", { mode: "human", waiting: true, escalationReason: "asked for a person", unread: 1, version: 3 }),
      chat("a"),
    ];
    inbox.handle({ entityType: "conversation", entityId: "b", data: { event: "message_received" } });
    inbox.handle({ entityType: "conversation", entityId: "b", data: { event: "escalated", mode: "human" } });
    inbox.handle({ entityType: "booking", entityId: "zzz", data: {} });
    inbox.handle({ entityType: "conversation", entityId: "b", data: { event: "message_sent" } });
    expect(timers.count).toBe(1);
    expect(inbox.getSnapshot().lastEvent).toEqual({ conversationId: "b", event: "message_sent" });
    expect(inbox.getSnapshot().touched.get("b")).toBe(3);
    expect(inbox.getSnapshot().touched.has("zzz")).toBe(false);
    timers.fire();
    await flush();
    await flush();
    expect(state.lists).toBe(2);
    const snap = inbox.getSnapshot();
    expect(snap.items.map((c) => c.id)).toEqual(["b", "a"]);
    expect(snap.unread).toBe(1);
    expect(inbox.summaryOf(snap.items[0]!)).toBe("summary of b");
    expect(escalated).toEqual([{ id: "b", summary: "summary of b" }]);

    // A later unrelated reload does not notify again, and the summary is not fetched again.
    inbox.handle({ entityType: "conversation", entityId: "a", data: { event: "agent_replied" } });
    timers.fire();
    await flush();
    await flush();
    expect(escalated).toHaveLength(1);
    expect(state.gets).toBe(1);

    // Opening the chat marks it seen: the unread total drops.
    inbox.markSeen("b", snap.items[0]!.lastMessageAt);
    expect(inbox.getSnapshot().unread).toBe(0);
  });

  it("notifies when a chat is opened for a person in Chatwoot, not when it goes back to the bot", async () => {
    const { api, state } = fakeApi([chat("a")]);
    const timers = manualTimers();
    const escalated: string[] = [];
    const inbox = new ChatInbox(api, { myStaffId: ME, onEscalated: (c) => escalated.push(c.id), ...timers });
    await inbox.refresh();
    inbox.handle({ entityType: "conversation", entityId: "a", data: { event: "mode_changed", mode: "bot" } });
    timers.fire();
    await flush();
    expect(escalated).toEqual([]);
    state.items = [chat("a", { mode: "human", waiting: true })];
    inbox.handle({ entityType: "conversation", entityId: "a", data: { event: "mode_changed", mode: "human" } });
    timers.fire();
    await flush();
    await flush();
    expect(escalated).toEqual(["a"]);
  });

  it("keeps the last list and reports the error when a reload fails", async () => {
    const { api, state } = fakeApi([chat("a")]);
    const inbox = new ChatInbox(api, { myStaffId: ME, ...manualTimers() });
    await inbox.refresh();
    state.fail = true;
    await inbox.refresh();
    expect(inbox.getSnapshot().items.map((c) => c.id)).toEqual(["a"]);
    expect(inbox.getSnapshot().error).toContain("Failed to fetch");
    state.fail = false;
    await inbox.refresh();
    expect(inbox.getSnapshot().error).toBeNull();
  });

  it("runs a reload requested during a reload once more afterwards", async () => {
    const { api, state } = fakeApi([chat("a")]);
    const inbox = new ChatInbox(api, { myStaffId: ME, ...manualTimers() });
    const first = inbox.refresh();
    void inbox.refresh();
    void inbox.refresh();
    await first;
    await flush();
    await flush();
    expect(state.lists).toBe(2);
  });
});
