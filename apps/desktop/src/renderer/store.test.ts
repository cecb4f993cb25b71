import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import type { Api, Booking } from "./api.ts";
import { ConsoleStore } from "./store.ts";

const LOC = "00000000-0000-4000-8000-00000000000a";

function booking(id: string, status: Booking["status"] = "confirmed"): Booking {
  return {
    id,
    locationId: LOC,
    customerId: `c-${id}`,
    guestName: null,
    status,
    source: "whatsapp",
    startsAt: "2026-11-24T09:00:00.000Z",
    endsAt: "2026-11-24T09:45:00.000Z",
    holdExpiresAt: null,
    totalPriceCents: 3500,
    depositCents: 0,
    depositPaidCents: 0,
    currency: "EUR",
    notes: null,
    cancelledAt: null,
    cancelledBy: null,
    cancelReason: null,
    rescheduledFromId: null,
    seriesId: null,
    seriesIndex: null,
    groupId: null,
    conversationId: null,
    version: 1,
    items: [],
  };
}

interface Handlers {
  onStarted?(): void;
  onData?(e: { id: string; data: { entityType: string; entityId: string } }): void;
  onError?(e: unknown): void;
  onConnectionStateChange?(s: { state: string }): void;
}

/** A fake server: bookings by id, a change log, and subscriptions we can break. */
function fakeApi() {
  const server = new Map<string, Booking>();
  const subs: { input: { lastEventId?: string | null }; h: Handlers; closed: boolean }[] = [];
  let searches = 0;
  let online = true;
  const api = {
    locations: { get: { query: async () => ({ id: LOC, timeZone: "Europe/Madrid", hours: [] }) } },
    staff: { list: { query: async () => [] } },
    services: { list: { query: async () => [] } },
    customers: {
      get: {
        query: async ({ customerId }: { customerId: string }) => ({ customer: { name: customerId, phone: null } }),
      },
    },
    bookings: {
      search: {
        query: async () => {
          searches++;
          if (!online) throw new TypeError("Failed to fetch");
          return { items: [...server.values()], nextCursor: null };
        },
      },
      get: {
        query: async ({ id }: { id: string }) => {
          if (!online) throw new TypeError("Failed to fetch");
          const b = server.get(id);
          if (!b)
            throw TRPCClientError.from({
              error: { message: "not found", code: -32004, data: { code: "NOT_FOUND", httpStatus: 404 } },
            });
          return b;
        },
      },
    },
    changes: {
      stream: {
        subscribe: (input: { lastEventId?: string | null }, h: Handlers) => {
          const sub = { input, h, closed: false };
          subs.push(sub);
          return {
            unsubscribe: () => {
              sub.closed = true;
            },
          };
        },
      },
    },
  };
  return {
    api: api as unknown as Api,
    server,
    subs,
    searches: () => searches,
    setOnline: (v: boolean) => {
      online = v;
    },
  };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("console store", () => {
  it("applies live booking changes, resumes from the last event id after a drop, and catches up", async () => {
    const f = fakeApi();
    const fresh: string[] = [];
    const store = new ConsoleStore(f.api, { onNewBooking: (b) => fresh.push(b.id), resubscribeDelayMs: 10 });
    await store.init();
    await store.loadRange("2026-11-24", "2026-11-24");
    expect(f.subs).toHaveLength(1);
    expect(f.subs[0]!.input).toEqual({ lastEventId: null, locationId: LOC });
    f.subs[0]!.h.onStarted?.();
    expect(store.getSnapshot().connection).toBe("live");

    f.server.set("b1", booking("b1"));
    f.subs[0]!.h.onData?.({ id: "41", data: { entityType: "booking", entityId: "b1" } });
    await tick(60);
    expect(store.getSnapshot().bookings.get("b1")?.status).toBe("confirmed");
    expect(fresh).toEqual(["b1"]);
    expect(store.getSnapshot().customers.get("c-b1")?.name).toBe("c-b1");

    // The stream dies (laptop lid closed): a new one starts from event 41, then refetches the range.
    f.subs[0]!.h.onError?.(new Error("network"));
    expect(store.getSnapshot().connection).toBe("reconnecting");
    await tick(30);
    expect(f.subs).toHaveLength(2);
    expect(f.subs[1]!.input.lastEventId).toBe("41");
    const before = f.searches();
    f.server.set("b2", booking("b2"));
    f.subs[1]!.h.onStarted?.();
    await tick(10);
    expect(f.searches()).toBe(before + 1);
    expect(store.getSnapshot().bookings.has("b2")).toBe(true);
    expect(store.getSnapshot().connection).toBe("live");
    store.stop();
  });

  it("does not lose an event whose booking could not be fetched (offline): it retries", async () => {
    const f = fakeApi();
    const store = new ConsoleStore(f.api, { resubscribeDelayMs: 10 });
    await store.init();
    f.subs[0]!.h.onStarted?.();
    f.server.set("b1", booking("b1", "pending_deposit"));
    f.setOnline(false);
    f.subs[0]!.h.onData?.({ id: "7", data: { entityType: "booking", entityId: "b1" } });
    await tick(100);
    expect(store.getSnapshot().bookings.has("b1")).toBe(false);
    f.setOnline(true);
    await tick(1200);
    expect(store.getSnapshot().bookings.get("b1")?.status).toBe("pending_deposit");
    store.stop();
  });

  it("drops a booking the server no longer knows", async () => {
    const f = fakeApi();
    const store = new ConsoleStore(f.api);
    await store.init();
    store.upsert(booking("gone"));
    f.subs[0]!.h.onData?.({ id: "9", data: { entityType: "booking", entityId: "gone" } });
    await tick(60);
    expect(store.getSnapshot().bookings.has("gone")).toBe(false);
    store.stop();
  });

  it("hands every event to event listeners (chats listen for conversations) and stops on unsubscribe", async () => {
    const f = fakeApi();
    const store = new ConsoleStore(f.api);
    await store.init();
    const seen: string[] = [];
    const off = store.onEvent((e) => seen.push(`${e.entityType}:${e.entityId}`));
    f.subs[0]!.h.onData?.({ id: "10", data: { entityType: "conversation", entityId: "c1" } });
    f.subs[0]!.h.onData?.({ id: "11", data: { entityType: "booking", entityId: "missing" } });
    off();
    f.subs[0]!.h.onData?.({ id: "12", data: { entityType: "conversation", entityId: "c2" } });
    expect(seen).toEqual(["conversation:c1", "booking:missing"]);
    expect(store.getSnapshot().lastEventId).toBe("12");
    store.stop();
  });
});
