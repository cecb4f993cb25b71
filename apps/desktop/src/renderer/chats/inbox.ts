// The chats inbox, without React: ordering, unread counts, the WhatsApp 24-hour window, and a live
// list kept fresh from changes.stream "conversation" events, with a notification when a chat is
// escalated to a person.
import type { Api, RouterOutputs } from "../api.ts";
import type { StreamEvent } from "../store.ts";

export type ChatItem = RouterOutputs["chats"]["list"]["items"][number];
export type ChatDetail = RouterOutputs["chats"]["get"];
export type ChatMessage = ChatDetail["messages"][number];

/** Where a chat sits in the inbox: a person is needed first, then chats a person has, then the bot's. */
export function inboxGroup(c: ChatItem): "waiting" | "human" | "bot" {
  if (c.waiting) return "waiting";
  return c.mode === "human" ? "human" : "bot";
}

const GROUP_RANK = { waiting: 0, human: 1, bot: 2 } as const;
const at = (c: ChatItem) => (c.lastMessageAt ? Date.parse(c.lastMessageAt) : 0);

/**
 * Waiting chats first, in the server's order (oldest escalation first: it knows escalated_at), then
 * chats a person has (the viewer's own first), then the bot's; within those, most recent first.
 */
export function sortInbox(items: readonly ChatItem[], myStaffId: string | null = null): ChatItem[] {
  const serverIndex = new Map(items.map((c, i) => [c.id, i]));
  return [...items].sort((a, b) => {
    const ga = GROUP_RANK[inboxGroup(a)];
    const gb = GROUP_RANK[inboxGroup(b)];
    if (ga !== gb) return ga - gb;
    if (ga === 0) return serverIndex.get(a.id)! - serverIndex.get(b.id)!;
    if (ga === 1 && myStaffId) {
      const ma = a.assignedStaffId === myStaffId ? 0 : 1;
      const mb = b.assignedStaffId === myStaffId ? 0 : 1;
      if (ma !== mb) return ma - mb;
    }
    return at(b) - at(a) || serverIndex.get(a.id)! - serverIndex.get(b.id)!;
  });
}

/**
 * Unread for this console: the server counts customer messages since the last reply; a chat the
 * viewer has opened since its last message counts as read until something new arrives.
 */
export function unreadFor(c: ChatItem, seen: ReadonlyMap<string, string | null>): number {
  if (!c.unread) return 0;
  if (!seen.has(c.id)) return c.unread;
  const seenAt = seen.get(c.id);
  return seenAt === (c.lastMessageAt ?? null) ? 0 : c.unread;
}

export function totalUnread(items: readonly ChatItem[], seen: ReadonlyMap<string, string | null>): number {
  return items.reduce((n, c) => n + unreadFor(c, seen), 0);
}

export type WindowState =
  | { state: "none" }
  | { state: "open"; closesAt: number; remainingMs: number }
  | { state: "closing"; closesAt: number; remainingMs: number }
  | { state: "closed"; closedAt: number };

/** WhatsApp's 24-hour customer-service window: free text only while it is open; "closing" in its last hour. */
export function windowState(closesAt: string | null, now: number, closingMs = 60 * 60_000): WindowState {
  if (!closesAt) return { state: "none" };
  const t = Date.parse(closesAt);
  const remainingMs = t - now;
  if (remainingMs <= 0) return { state: "closed", closedAt: t };
  return { state: remainingMs <= closingMs ? "closing" : "open", closesAt: t, remainingMs };
}

/** "5 h 12 min" / "12 min" / "<1 min". */
export function formatRemaining(ms: number, minutesWord = "min"): string {
  const m = Math.floor(ms / 60_000);
  if (m < 1) return `<1 ${minutesWord}`;
  const h = Math.floor(m / 60);
  return h ? `${h} h ${m % 60} ${minutesWord}` : `${m} ${minutesWord}`;
}

/** What a conversation change means for the inbox. */
export function conversationEvent(e: StreamEvent): { conversationId: string; event: string | null } | null {
  if (e.entityType !== "conversation") return null;
  const data = (e.data ?? {}) as { event?: unknown };
  return { conversationId: e.entityId, event: typeof data.event === "string" ? data.event : null };
}

/** The error a second staff member gets when someone else has the chat: who has it. */
export function ownerOf(details: Record<string, unknown> | undefined): { id: string; name: string } | null {
  const id = details?.ownerId;
  const name = details?.ownerName;
  return typeof id === "string" && typeof name === "string" ? { id, name } : null;
}

export interface InboxSnapshot {
  items: ChatItem[];
  /** Escalation summaries of waiting chats (from chats.get), by id. */
  summaries: ReadonlyMap<string, string | null>;
  seen: ReadonlyMap<string, string | null>;
  unread: number;
  loaded: boolean;
  error: string | null;
  /** Bumped on every conversation event. */
  revision: number;
  /** Events seen per conversation, so an open conversation refetches on its own changes only. */
  touched: ReadonlyMap<string, number>;
  lastEvent: { conversationId: string; event: string | null } | null;
}

export interface InboxOptions {
  myStaffId: string | null;
  /** A chat was escalated to a person (live). */
  onEscalated?(c: ChatItem, summary: string | null): void;
  debounceMs?: number;
  setTimer?(fn: () => void, ms: number): unknown;
  clearTimer?(h: unknown): void;
}

type InboxApi = Pick<Api, "chats">;

export class ChatInbox {
  private snap: InboxSnapshot = {
    items: [],
    summaries: new Map(),
    seen: new Map(),
    unread: 0,
    loaded: false,
    error: null,
    revision: 0,
    touched: new Map(),
    lastEvent: null,
  };
  private listeners = new Set<() => void>();
  private timer: unknown = null;
  private loading: Promise<void> | null = null;
  private again = false;
  /** Conversations whose escalation arrived live and still needs a notification once loaded. */
  private escalations = new Set<string>();

  constructor(
    private readonly api: InboxApi,
    private readonly opts: InboxOptions,
  ) {}

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  };
  getSnapshot = () => this.snap;

  private update(patch: Partial<InboxSnapshot>) {
    const next = { ...this.snap, ...patch };
    next.unread = totalUnread(next.items, next.seen);
    this.snap = next;
    for (const fn of this.listeners) fn();
  }

  /** Feed every change event here; conversation ones refresh the list (coalesced). */
  handle(e: StreamEvent) {
    const ev = conversationEvent(e);
    if (!ev) return;
    // Escalated by the agent, or opened for a person in Chatwoot.
    const d = (e.data ?? {}) as { mode?: unknown };
    if (ev.event === "escalated" || (ev.event === "mode_changed" && d.mode === "human"))
      this.escalations.add(ev.conversationId);
    const touched = new Map(this.snap.touched);
    touched.set(ev.conversationId, (touched.get(ev.conversationId) ?? 0) + 1);
    this.update({ revision: this.snap.revision + 1, touched, lastEvent: ev });
    this.schedule();
  }

  private schedule() {
    if (this.timer) return;
    const set = this.opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = null;
      void this.refresh();
    }, this.opts.debounceMs ?? 150);
  }

  stop() {
    if (this.timer) (this.opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.timer);
    this.timer = null;
  }

  /** Reloads the list (one at a time; a request during a load runs once more after it). */
  refresh(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.load().finally(() => {
      this.loading = null;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.loading;
  }

  private async load() {
    let items: ChatItem[];
    try {
      items = (await this.api.chats.list.query({ filter: "all", limit: 200 })).items;
    } catch (e) {
      this.update({ error: e instanceof Error ? e.message : String(e), loaded: true });
      return;
    }
    const sorted = sortInbox(items, this.opts.myStaffId);
    const summaries = new Map(this.snap.summaries);
    const needSummary = sorted.filter((c) => c.waiting && !summaries.has(`${c.id}:${c.version}`)).slice(0, 20);
    const details = await Promise.all(
      needSummary.map((c) =>
        this.api.chats.get.query({ conversationId: c.id }).then(
          (d) => [c, d.conversation.escalationSummary] as const,
          () => [c, null] as const,
        ),
      ),
    );
    for (const [c, s] of details) summaries.set(`${c.id}:${c.version}`, s);
    this.update({ items: sorted, summaries, loaded: true, error: null });
    for (const c of sorted) {
      if (!this.escalations.has(c.id)) continue;
      this.escalations.delete(c.id);
      if (c.mode === "human") this.opts.onEscalated?.(c, this.summaryOf(c));
    }
  }

  summaryOf(c: ChatItem): string | null {
    return this.snap.summaries.get(`${c.id}:${c.version}`) ?? null;
  }

  /** The viewer has this conversation open up to its last message. */
  markSeen(conversationId: string, lastMessageAt: string | null) {
    if (this.snap.seen.get(conversationId) === lastMessageAt && this.snap.seen.has(conversationId)) return;
    const seen = new Map(this.snap.seen);
    seen.set(conversationId, lastMessageAt);
    this.update({ seen });
  }
}
