// Guided mode's dialogue for the waitlist, repeating visits and groups (issue #20): small steps,
// each a function of (what the turn understood, the conversation's state) that calls the same
// tools Claude mode has (tools/waitlist.ts, tools/visits.ts) and says what happened through
// visits-replies.ts. guided.ts calls `visitsStep` once per turn (before its own dialogue) and
// `offerSeriesAfterHold` after a hold; everything else stays here.
import { addDays } from "../../time/zoned.ts";
import type { Lang } from "../lang.ts";
import type { AgentChoice } from "../port.ts";
import type { GuidedState } from "../state.ts";
import type { ToolContext } from "../tools/types.ts";
import { answerableOffers } from "../tools/waitlist.ts";
import { serviceChoice, slotChoice, TEXTS } from "./replies.ts";
import type { Understanding } from "./understand.ts";
import type { VisitsReading } from "./visits.ts";
import { wishDayParts } from "./visits.ts";
import {
  groupHeldText,
  groupProposalText,
  offerBookedText,
  onWaitlistText,
  seriesCancelledText,
  seriesCancelQuestion,
  seriesDoneText,
  seriesQuestionText,
  VISITS_TEXTS,
} from "./visits-replies.ts";

/** What these features wait for between turns (kept in GuidedState.visits). */
export type VisitsPending =
  | { kind: "series"; bookingId: string }
  | { kind: "series_cancel"; bookingId: string }
  | { kind: "waitlist_service"; wish: WishDraft }
  | { kind: "group_service"; group: GroupDraft }
  | { kind: "group_day"; group: GroupDraft }
  | { kind: "group_confirm"; group: GroupDraft };

export interface WishDraft {
  serviceIds: string[];
  staffId: string | null;
  dateFrom: string;
  dateTo: string;
  dayParts: string[];
}

export interface GroupDraft {
  people: number;
  serviceIds: string[];
  asks: { word: string; ids: string[] }[];
  date: string | null;
  time: number | null;
  dayPart: string | null;
}

/** What a dialogue step needs of the guided turn. */
export interface VisitsIO {
  lang: Lang;
  ctx: Omit<ToolContext, "toolUseId">;
  g: GuidedState;
  call(name: string, args: Record<string, unknown>): Promise<{ isError: boolean; content: unknown }>;
  say(text: string): void;
  ask(text: string, choices: AgentChoice[]): void;
  menu(prefix?: string): void;
  /** The turn's customer text (for the wish's note). */
  text: string;
}

type Step = "done" | "open";
type ServiceMatch = { service_id: string; name: string; price: string; duration_minutes: number };
const errorOf = (c: unknown) => (c as { error?: { code?: string; message?: string } }).error ?? {};

/** Runs this turn's waitlist / series / group step; "open" = not ours, the usual dialogue goes on. */
export async function visitsStep(io: VisitsIO, u: Understanding, v: VisitsReading, pick: string | null): Promise<Step> {
  const pending = io.g.visits ?? null;
  if (pending) {
    const r = await answerPending(io, pending, u, pick);
    if (r === "done") return r;
    io.g.visits = null;
  }
  if (v.offerAnswer) return answerOffer(io, v.offerAnswer.answer, v.offerAnswer.offerId);
  // A plain yes/no answering a waitlist offer: the offer is the last thing the chat said, or no
  // dialogue of ours is under way (a "no" to the times shown is not a no to an offer).
  if ((u.yes || u.no) && !u.hasDetails && (await offerIsOpenQuestion(io))) {
    return answerOffer(io, u.yes ? "accept" : "decline", null);
  }
  if (v.cancelFollowing && (await cancelFollowing(io)) === "done") return "done";
  if (v.people && v.people >= 2) return startGroup(io, u, v.people);
  if (v.waitlist) return joinWaitlist(io, u);
  return "open";
}

async function offerIsOpenQuestion(io: VisitsIO): Promise<boolean> {
  if (!(await answerableOffers(io.ctx)).length) return false;
  if (io.g.step === "menu") return true;
  const last = await io.ctx.deps.db.message.findFirst({
    where: { conversationId: io.ctx.conversationId, direction: "outbound", author: "bot", kind: { not: "note" } },
    orderBy: { createdAt: "desc" },
    select: { choices: true },
  });
  const ids = Array.isArray(last?.choices) ? (last.choices as { id?: string }[]).map((c) => c.id ?? "") : [];
  return ids.some((id) => id.startsWith("waitlist.accept:"));
}

async function answerPending(io: VisitsIO, p: VisitsPending, u: Understanding, pick: string | null): Promise<Step> {
  const t = VISITS_TEXTS[io.lang];
  const refused = u.no || pick === "reject" || !!pick?.startsWith("reject:");
  if (p.kind === "series") {
    if (io.ctx.confirmedThisTurn) return confirmSeries(io, p.bookingId);
    if (refused) {
      io.g.visits = null;
      io.menu(t.seriesNo);
      return "done";
    }
    return "open";
  }
  if (p.kind === "series_cancel") {
    if (io.ctx.confirmedThisTurn) return confirmCancelFollowing(io, p.bookingId);
    if (refused) {
      io.g.visits = null;
      io.menu(t.keepSeries);
      return "done";
    }
    return "open";
  }
  const picked = pick?.startsWith("service:") ? pick.slice(8) : null;
  if (p.kind === "waitlist_service") {
    const ids = picked ? [picked] : u.serviceIds;
    if (!ids.length) return "open";
    return addWish(io, { ...p.wish, serviceIds: ids });
  }
  const group = p.group;
  if (p.kind === "group_service") {
    const ids = picked ? [picked] : u.serviceIds;
    if (!ids.length) return "open";
    group.serviceIds.push(...ids.filter((id) => !group.serviceIds.includes(id)));
    group.asks = group.asks.filter((a) => !a.ids.some((id) => group.serviceIds.includes(id)));
    return continueGroup(io, group);
  }
  if (p.kind === "group_day") {
    if (!u.day?.date && !u.day?.options) return "open";
    mergeWhen(group, u);
    return continueGroup(io, group);
  }
  // group_confirm
  if (io.ctx.confirmedThisTurn) return holdGroup(io, group);
  if (u.day || u.time) {
    mergeWhen(group, u);
    return continueGroup(io, group);
  }
  if (refused) {
    io.g.visits = null;
    io.menu(t.groupNo);
    return "done";
  }
  return "open";
}

// ───────────────────────────── waitlist ─────────────────────────────

/** Answers a waitlist offer (a tap or a plain yes/no) and says what came of it; lost → the nearest times to tap. */
export async function answerOffer(io: VisitsIO, answer: "accept" | "decline", offerId: string | null): Promise<Step> {
  const r = await io.call("answer_waitlist_offer", { answer, ...(offerId ? { offer_id: offerId } : {}) });
  io.g.visits = null;
  io.say(await offerAnswerText(io, r));
  io.g.step = "menu";
  io.g.choices = [];
  const c = r.content as { status?: string };
  if (!r.isError && c.status === "lost") await offerAlternatives(io, r.content as LostContent);
  return "done";
}

type LostContent = {
  service_ids: string[];
  alternatives_at: { date: string; time: string; staff_id: string | null }[];
};

/** Someone was quicker: the nearest free times, as slots the customer can tap to hold (the usual proposal). */
async function offerAlternatives(io: VisitsIO, lost: LostContent): Promise<void> {
  const slots: Record<string, unknown>[] = [];
  for (const a of lost.alternatives_at.slice(0, 3)) {
    const r = await io.call("check_availability", {
      service_ids: lost.service_ids,
      ...(a.staff_id ? { staff_id: a.staff_id } : {}),
      date: a.date,
      time: a.time,
      limit: 1,
    });
    const c = r.content as { slots?: Record<string, unknown>[]; requested_time_available?: boolean };
    const hit = c.slots?.find((s) => s.date === a.date && s.time === a.time);
    if (!r.isError && hit) slots.push(hit);
  }
  if (!slots.length) return;
  Object.assign(io.g, { intent: "book", step: "slot", serviceIds: lost.service_ids, staffId: null });
  io.ask(TEXTS[io.lang].nearest, slots.map(slotChoice));
}

/** The reply to an answered offer, in the customer's language (both modes use it for a button tap). */
export async function offerAnswerText(
  io: Pick<VisitsIO, "lang" | "call">,
  r: { isError: boolean; content: unknown },
): Promise<string> {
  const t = VISITS_TEXTS[io.lang];
  // Issue #21: an offer of a service that needs a patch test the customer lacks: the reason and the offer.
  const patchTest = (r.content as { error?: { patch_test?: { say?: string } } }).error?.patch_test;
  if (r.isError && patchTest?.say) return patchTest.say;
  if (r.isError) return errorOf(r.content).code === "NOT_FOUND" ? t.offerNone : TEXTS[io.lang].failed;
  const c = r.content as Record<string, unknown>;
  if (c.status === "declined") return t.declined;
  if (c.status === "lost") return String(c.message);
  const b = c.booking as Record<string, unknown>;
  let link: { url: string; amount: string } | null = null;
  if (!c.already && Number(b.deposit_cents) > 0 && Number(b.deposit_paid_cents) === 0) {
    const l = await io.call("request_deposit_link", { booking_id: b.booking_id });
    if (!l.isError) link = l.content as { url: string; amount: string };
  }
  return offerBookedText(b, io.lang, link);
}

async function joinWaitlist(io: VisitsIO, u: Understanding): Promise<Step> {
  const { g, ctx } = io;
  // What the booking under way already says counts ("no me va ninguna… avísame si se libera algo").
  const serviceIds = u.serviceIds.length ? u.serviceIds : (g.serviceIds ?? []);
  const staffId = u.staffId !== undefined ? u.staffId : (g.staffId ?? null);
  const date = u.day?.date ?? u.day?.options?.[0] ?? null;
  const [dateFrom, dateTo] = date
    ? [date, date]
    : u.day?.range
      ? u.day.range
      : g.date
        ? [g.date, g.date]
        : g.range
          ? g.range
          : [ctx.today, addDays(ctx.today, 13)];
  const wish: WishDraft = {
    serviceIds,
    staffId,
    dateFrom,
    dateTo,
    dayParts: wishDayParts(u.time?.dayPart ?? g.dayPart),
  };
  if (!serviceIds.length) {
    const r = await io.call("search_services", { query: "" });
    const all = (r.content as { matches: ServiceMatch[] }).matches ?? [];
    io.g.visits = { kind: "waitlist_service", wish };
    io.ask(VISITS_TEXTS[io.lang].whichServiceWait, all.slice(0, 10).map(serviceChoice));
    return "done";
  }
  return addWish(io, wish);
}

async function addWish(io: VisitsIO, wish: WishDraft): Promise<Step> {
  const r = await io.call("join_waitlist", {
    service_ids: wish.serviceIds,
    ...(wish.staffId ? { staff_id: wish.staffId } : {}),
    date_from: wish.dateFrom,
    date_to: wish.dateTo,
    day_parts: wish.dayParts,
    note: io.text.slice(0, 500),
  });
  io.g.visits = null;
  if (r.isError) {
    io.say(errorOf(r.content).message ?? TEXTS[io.lang].failed);
    return "done";
  }
  io.menu(onWaitlistText((r.content as { wish: Record<string, unknown> }).wish, io.lang));
  return "done";
}

// ───────────────────────────── repeating visits ─────────────────────────────

/** After a hold: ask "¿Quieres dejarla fijada cada 4 semanas?" where the salon offers it. True when asked. */
export async function offerSeriesAfterHold(io: VisitsIO, bookingId: string): Promise<boolean> {
  if (!io.ctx.deps.offerSeries) return false;
  const r = await io.call("repeat_booking", { booking_id: bookingId });
  if (r.isError) return false;
  const c = r.content as { status: string; proposal: Record<string, unknown> };
  if (c.status !== "confirmation_required") return false;
  const t = VISITS_TEXTS[io.lang];
  io.g.visits = { kind: "series", bookingId };
  io.ask(seriesQuestionText(String(c.proposal.question), c.proposal, io.lang), [
    { id: "confirm:series", title: t.yesSeries },
    { id: "reject", title: t.no },
  ]);
  return true;
}

/**
 * "Cancela esta y las siguientes": the customer's next visit of a standing booking and every later
 * one, each with its policy decision, asked first. "open" when they have no standing booking (the
 * usual cancel dialogue goes on).
 */
async function cancelFollowing(io: VisitsIO): Promise<Step> {
  const next = await io.ctx.deps.db.booking.findFirst({
    where: {
      customerId: io.ctx.customerId,
      locationId: io.ctx.deps.locationId,
      seriesId: { not: null },
      status: { in: ["held", "pending_deposit", "confirmed"] },
      startsAt: { gte: io.ctx.deps.clock() },
    },
    orderBy: { startsAt: "asc" },
    select: { id: true },
  });
  if (!next) return "open";
  const r = await io.call("cancel_series", { booking_id: next.id, scope: "following" });
  if (r.isError) return "open";
  const c = r.content as { status: string; proposal: Record<string, unknown> };
  if (c.status !== "confirmation_required") return "open";
  const t = VISITS_TEXTS[io.lang];
  io.g.visits = { kind: "series_cancel", bookingId: next.id };
  io.ask(seriesCancelQuestion(c.proposal, io.lang), [
    { id: "confirm:series-cancel", title: t.yesCancelSeries },
    { id: "reject", title: t.no },
  ]);
  return "done";
}

async function confirmCancelFollowing(io: VisitsIO, bookingId: string): Promise<Step> {
  const r = await io.call("cancel_series", { booking_id: bookingId, scope: "following" });
  io.g.visits = null;
  if (r.isError) {
    io.say(errorOf(r.content).message ?? TEXTS[io.lang].failed);
    io.menu();
    return "done";
  }
  io.menu(seriesCancelledText(r.content as Record<string, unknown>, io.lang));
  return "done";
}

async function confirmSeries(io: VisitsIO, bookingId: string): Promise<Step> {
  const r = await io.call("repeat_booking", { booking_id: bookingId });
  io.g.visits = null;
  if (r.isError) {
    io.say(errorOf(r.content).message ?? TEXTS[io.lang].failed);
    io.menu();
    return "done";
  }
  io.menu(seriesDoneText(r.content as Record<string, unknown>, io.lang));
  return "done";
}

// ───────────────────────────── groups ─────────────────────────────

function mergeWhen(group: GroupDraft, u: Understanding) {
  if (u.day?.date) group.date = u.day.date;
  else if (u.day?.options) group.date = u.day.options[0];
  if (u.time?.minute !== undefined) group.time = u.time.minute;
  else if (u.time?.after !== undefined) group.time = u.time.after;
  if (u.time?.dayPart) group.dayPart = u.time.dayPart;
}

async function startGroup(io: VisitsIO, u: Understanding, people: number): Promise<Step> {
  const group: GroupDraft = {
    people,
    serviceIds: [...u.serviceIds],
    asks: u.serviceAsks.filter((a) => !a.ids.some((id) => u.serviceIds.includes(id))),
    date: null,
    time: null,
    dayPart: null,
  };
  mergeWhen(group, u);
  return continueGroup(io, group);
}

/** Asks what is still missing (a service kind, the day), else proposes the time that fits everyone. */
async function continueGroup(io: VisitsIO, group: GroupDraft): Promise<Step> {
  const t = VISITS_TEXTS[io.lang];
  const ask = group.asks[0];
  if (ask || !group.serviceIds.length) {
    const r = await io.call("search_services", { query: "" });
    const all = (r.content as { matches: ServiceMatch[] }).matches ?? [];
    const rows = ask ? all.filter((m) => ask.ids.includes(m.service_id)) : all.slice(0, 10);
    io.g.visits = { kind: "group_service", group };
    io.ask(ask ? t.whichServiceGroup(ask.word) : TEXTS[io.lang].whichService, rows.map(serviceChoice));
    return "done";
  }
  if (!group.date) {
    io.g.visits = { kind: "group_day", group };
    io.say(t.whichDayGroup(group.people));
    return "done";
  }
  return holdGroup(io, group);
}

function groupArgs(group: GroupDraft): Record<string, unknown> {
  const hh =
    group.time != null
      ? `${String(Math.floor(group.time / 60)).padStart(2, "0")}:${String(group.time % 60).padStart(2, "0")}`
      : null;
  return {
    people: Array.from({ length: group.people }, () => ({ service_ids: group.serviceIds })),
    date: group.date,
    ...(hh ? { time: hh } : {}),
    ...(group.dayPart ? { day_part: group.dayPart } : {}),
  };
}

async function holdGroup(io: VisitsIO, group: GroupDraft): Promise<Step> {
  const t = VISITS_TEXTS[io.lang];
  const r = await io.call("hold_group", groupArgs(group));
  if (r.isError) {
    const e = errorOf(r.content);
    io.g.visits = { kind: "group_day", group };
    io.say(e.code === "NOT_BOOKABLE" ? t.noGroupTime(group.people) : (e.message ?? TEXTS[io.lang].failed));
    return "done";
  }
  const c = r.content as Record<string, unknown>;
  if (c.status === "confirmation_required") {
    io.g.visits = { kind: "group_confirm", group };
    io.ask(groupProposalText(c.proposal as Record<string, unknown>, io.lang), [
      { id: "confirm:group", title: t.yesGroup },
      { id: "reject", title: t.no },
    ]);
    return "done";
  }
  io.g.visits = null;
  io.say(groupHeldText(c, io.lang));
  io.g.step = "menu";
  io.g.choices = [];
  return "done";
}
