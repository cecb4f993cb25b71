// Guided mode: the deterministic agent used when no model is configured or Claude is unavailable.
// Same tools, same ledger, same guardrails as Claude mode. Three parts, each testable alone:
//   guided/understand.ts  message(s) → intent and details (classifier + date grammar + catalog)
//   guided.ts (this)      the dialogue: merges what was understood into the conversation's state,
//                         asks only for what is missing, calls the tools, never writes unasked
//   guided/replies.ts     every sentence and choice, in both languages, within WhatsApp's limits

import {
  bookingChoice,
  choicesReply,
  dateChoice,
  escalationSummary,
  menuChoices,
  serviceChoice,
  slotChoice,
  TEXTS,
  type Texts,
} from "./guided/replies.ts";
import { type Catalog, typedServiceChoice, type Understanding, understand } from "./guided/understand.ts";
import { usualNote, usualVisit } from "./guided/usual-visit.ts";
import { readVisits } from "./guided/visits.ts";
import { offerSeriesAfterHold, type VisitsIO, visitsStep } from "./guided/visits-dialogue.ts";
import { type Lang, parseNumberChoice } from "./lang.ts";
import type { AgentChoice, OutboundReply } from "./port.ts";
import type { AgentState, GuidedState } from "./state.ts";
import { findOffered } from "./state.ts";
import type { BookingSummary } from "./tools/common.ts";
import { runTool, type ToolLedger } from "./tools/index.ts";
import type { PatchTestErrorView } from "./tools/patch-test.ts";
import type { ToolContext } from "./tools/types.ts";

export interface GuidedInput {
  /** The turn's customer messages, one per line (a burst is read as one request). */
  text: string;
  choiceId: string | null;
  handBackNote: string | null;
}

export interface GuidedOutcome {
  replies: OutboundReply[];
  escalate?: { reason: string; summary: string };
  understood: boolean;
  toolErrors: { name: string; code: string }[];
}

type Escalation = { reason: string; summary: string } | undefined;
type ServiceMatch = { service_id: string; name: string; price: string; duration_minutes: number };

const BOOKING_STEPS = new Set<GuidedState["step"]>(["service", "day", "slot", "pick_date", "confirm_hold"]);

export async function runGuidedTurn(
  ctxBase: Omit<ToolContext, "toolUseId">,
  ledger: ToolLedger,
  turnId: string,
  input: GuidedInput,
): Promise<GuidedOutcome> {
  return new GuidedTurn(ctxBase, ledger, turnId, input).run();
}

class GuidedTurn {
  private readonly lang: Lang;
  private readonly t: Texts;
  private readonly state: AgentState;
  private readonly g: GuidedState;
  private readonly replies: OutboundReply[] = [];
  private readonly toolErrors: { name: string; code: string }[] = [];
  private n = 0;
  private catalog!: Catalog;
  private u!: Understanding;
  private pick: string | null;

  constructor(
    private readonly ctx: Omit<ToolContext, "toolUseId">,
    private readonly ledger: ToolLedger,
    private readonly turnId: string,
    private readonly input: GuidedInput,
  ) {
    this.lang = ctx.lang;
    this.t = TEXTS[ctx.lang] as Texts;
    this.state = ctx.state;
    this.g = ctx.state.guided;
    // A tap, or a bare number for the last numbered choices.
    this.pick = input.choiceId;
    const num = parseNumberChoice(input.text);
    if (!this.pick && num !== null && this.g.choices?.[num - 1]) this.pick = this.g.choices[num - 1]!.id;
    // Or the offered service it names when typed instead of tapped ("mujer" for "Corte mujer").
    if (!this.pick && this.g.choices?.length) this.pick = typedServiceChoice(input.text, this.g.choices);
  }

  // ───────────── the turn ─────────────

  async run(): Promise<GuidedOutcome> {
    this.catalog = await this.loadCatalog();
    this.u = await understand(this.pick ? [] : this.input.text.split("\n"), this.catalog, this.ctx.today, this.lang);
    if (this.input.handBackNote) this.say(this.t.welcomeBack);
    const escalate = await this.respond();
    return {
      replies: this.replies,
      understood: this.understood,
      toolErrors: this.toolErrors,
      ...(escalate ? { escalate } : {}),
    };
  }

  private understood = true;

  /** Decides what this turn answers, in order of precedence. */
  private async respond(): Promise<Escalation> {
    const { g, u, pick } = this;
    if (pick === "menu:human" || u.intent === "human") return this.handover();
    if ((await visitsStep(this.visitsIO(), u, readVisits(this.input.text, pick), pick)) === "done") return undefined;
    if (g.patchOffer) {
      const answered = await this.answerPatchOffer();
      if (answered !== "open") return answered;
    }
    if (g.step === "confirm_hold" || g.step === "confirm_cancel" || g.step === "confirm_reschedule") {
      const answered = await this.answerProposal();
      if (answered !== "open") return answered;
    }
    if (pick) {
      const picked = await this.onPick(pick);
      if (picked !== "open") return picked;
    }
    if (g.step === "guest_name" && g.lastHold && this.input.text.trim()) return this.onGuestName();
    const intent = this.menuIntent() ?? u.intent;
    if (intent === "prices" || intent === "hours") return this.answerInfo(intent);
    if (intent === "mine" || intent === "cancel" || intent === "reschedule") return this.manageBookings(intent);
    if (g.intent === "reschedule" && g.bookingId && (u.day || u.time) && !u.serviceIds.length)
      return this.offerMove(g.bookingId);
    if (intent === "book" || u.hasDetails || (g.intent === "book" && BOOKING_STEPS.has(g.step) && !intent))
      return this.book(intent === "book");
    if (intent === "thanks") {
      this.say(this.t.thanks);
      g.choices = [];
      return undefined;
    }
    if (intent === "later") {
      this.say(this.t.later);
      return undefined;
    }
    if (intent === "greeting" || (!this.input.text.trim() && !pick)) {
      this.menu(this.t.hello);
      return undefined;
    }
    if (u.yes && g.step === "menu") {
      this.menu();
      return undefined;
    }
    this.understood = false;
    this.menu(this.t.notUnderstood);
    return undefined;
  }

  private menuIntent(): Understanding["intent"] {
    const map: Record<string, Understanding["intent"]> = {
      "menu:book": "book",
      "menu:mine": "mine",
      "menu:reschedule": "reschedule",
      "menu:cancel": "cancel",
      "menu:info": "prices",
    };
    return this.pick ? (map[this.pick] ?? null) : null;
  }

  // ───────────── proposals awaiting a yes ─────────────

  /** A yes confirms; a correction ("no, mejor a las 6") re-offers with the new wish; a no keeps things. */
  private async answerProposal(): Promise<Escalation | "open"> {
    const { g, u } = this;
    if (this.ctx.confirmedThisTurn) return this.confirm();
    const correction = u.day || u.time || u.staffId !== undefined || u.serviceIds.length || u.serviceAsks.length;
    const refused = u.no || this.pick === "reject" || this.pick?.startsWith("reject:");
    if (correction && g.step === "confirm_reschedule" && g.bookingId) {
      g.step = "reschedule_day";
      return this.offerMove(g.bookingId);
    }
    if (correction && g.step === "confirm_hold") {
      g.step = "slot";
      return this.book(false);
    }
    if (refused) {
      if (g.step === "confirm_hold") {
        g.step = "day";
        this.say(this.t.keepAsk);
        return undefined;
      }
      this.menu(this.t.keep);
      return undefined;
    }
    return "open";
  }

  private async confirm(): Promise<Escalation> {
    const { g, t } = this;
    if (g.step === "confirm_hold") {
      const r = await this.call("hold_slot", {
        slot_ref: g.slotRef,
        ...(g.guestName ? { guest_name: g.guestName } : {}),
      });
      if (r.isError) return this.failed(r.content);
      const c = r.content as { status: string; booking: BookingSummary };
      const o = findOffered(this.state, g.slotRef ?? "");
      g.lastHold = o
        ? {
            start: o.start,
            serviceIds: o.items.map((i) => i.serviceId),
            localDate: o.localDate,
            localTime: o.localTime,
          }
        : null;
      if (c.status === "confirmed") this.say(t.confirmed(c.booking));
      else {
        const link = await this.call("request_deposit_link", { booking_id: c.booking.booking_id });
        if (link.isError) this.say(t.heldNoLink(c.booking));
        else {
          const l = link.content as { url: string; amount: string; hold_expires_at_local_time: string | null };
          // The hold's end as the link left it (the checkout page shows the same time).
          const booking = { ...c.booking, hold_expires_at: l.hold_expires_at_local_time ?? c.booking.hold_expires_at };
          this.say(t.held(booking, l.url, l.amount));
        }
      }
      return this.afterHold(c.booking.booking_id);
    }
    if (g.step === "confirm_cancel") {
      const r = await this.call("cancel_booking", { booking_id: g.bookingId });
      if (r.isError) return this.failed(r.content);
      const c = r.content as { explanation: string; refund_cents?: number; refund?: string };
      this.say(t.cancelled(c.explanation, Number(c.refund_cents) > 0 ? (c.refund ?? null) : null));
      this.menu();
      return undefined;
    }
    const r = await this.call("reschedule_booking", { booking_id: g.bookingId, slot_ref: g.slotRef });
    if (r.isError) return this.failed(r.content);
    const c = r.content as { from: string; booking: BookingSummary };
    this.say(t.moved(c.from, c.booking));
    this.menu();
    return undefined;
  }

  /** After a hold: the series question where the salon offers it, else what next. */
  private async afterHold(bookingId: string): Promise<Escalation> {
    this.resetBooking();
    this.g.step = "menu";
    if (await offerSeriesAfterHold(this.visitsIO(), bookingId)) return undefined;
    this.ask(this.t.menu, menuChoices(this.lang, ["menu:another", "menu:done", "menu:mine"]));
    return undefined;
  }

  /** What guided/visits-dialogue.ts may use of this turn. */
  private visitsIO(): VisitsIO {
    return {
      lang: this.lang,
      ctx: this.ctx,
      g: this.g,
      text: this.input.text,
      call: (name, args) => this.call(name, args),
      say: (text) => this.say(text),
      ask: (text, choices) => this.ask(text, choices),
      menu: (prefix) => this.menu(prefix),
    };
  }

  // ───────────── taps ─────────────

  private async onPick(pick: string): Promise<Escalation | "open"> {
    const { g } = this;
    if (pick === "menu:done") {
      this.say(this.t.bye);
      g.step = "menu";
      g.choices = [];
      return undefined;
    }
    if (pick === "menu:another" && g.lastHold) {
      g.intent = "book";
      g.step = "guest_name";
      this.say(this.t.guestName);
      return undefined;
    }
    if (/^S\d+$/.test(pick) && (g.step === "slot" || g.step === "reschedule_slot")) {
      const o = findOffered(this.state, pick);
      if (o) return this.propose(o.ref, o.forBookingId ?? null);
    }
    if (pick.startsWith("booking:")) {
      g.bookingId = pick.slice(8);
      return this.afterBookingChosen();
    }
    if (pick.startsWith("date:")) {
      g.date = pick.slice(5);
      g.dateOptions = null;
      if (g.intent === "reschedule" && g.bookingId) return this.offerMove(g.bookingId);
      return this.book(false);
    }
    if (pick.startsWith("service:")) {
      const id = pick.slice(8);
      g.serviceIds ??= [];
      if (!g.serviceIds.includes(id)) g.serviceIds.push(id);
      g.asks = (g.asks ?? []).filter((a) => !a.ids.includes(id));
      g.intent = "book";
      return this.book(false);
    }
    return "open";
  }

  private async onGuestName(): Promise<Escalation> {
    const { g } = this;
    g.guestName = this.input.text
      .trim()
      .replace(/^(se llama|es|she is|he is|her name is|his name is)\s+/i, "")
      .split(/\s+/)
      .slice(0, 3)
      .join(" ");
    g.serviceIds = g.lastHold!.serviceIds;
    g.date = g.lastHold!.localDate;
    g.time = Number(g.lastHold!.localTime.slice(0, 2)) * 60 + Number(g.lastHold!.localTime.slice(3));
    return this.offer();
  }

  // ───────────── booking ─────────────

  /** A new booking: merge what the customer said, ask for what is missing, or offer free times. */
  private async book(explicit: boolean): Promise<Escalation> {
    const { g, u } = this;
    const fresh = this.pick === "menu:book" || (explicit && (g.intent !== "book" || !BOOKING_STEPS.has(g.step)));
    if (fresh) this.resetBooking();
    g.intent = "book";
    await this.merge(u);
    const ask = g.asks?.[0];
    if (ask) {
      const r = await this.call("search_services", { query: "" });
      const all = (r.content as { matches: ServiceMatch[] }).matches;
      const rows = ask.ids.map((id) => all.find((m) => m.service_id === id)).filter((m) => m !== undefined);
      g.step = "service";
      this.ask(this.t.whichOf(ask.word), rows.map(serviceChoice));
      return undefined;
    }
    if (!g.serviceIds?.length) {
      const r = await this.call("search_services", { query: "" });
      const all = (r.content as { matches: ServiceMatch[] }).matches;
      g.step = "service";
      this.ask(this.t.whichService, all.slice(0, 10).map(serviceChoice));
      return undefined;
    }
    if (g.dateOptions) return this.askDate(g.dateOptions);
    const anything =
      g.date ||
      g.range ||
      g.time != null ||
      g.dayPart ||
      g.after != null ||
      g.before != null ||
      g.earliest ||
      g.staffId;
    if (!anything && g.step !== "day") {
      g.step = "day";
      this.say(this.t.whichDay);
      return undefined;
    }
    return this.offer();
  }

  /** What this turn said, into the state: later details replace earlier ones. */
  private async merge(u: Understanding): Promise<void> {
    const { g } = this;
    g.serviceIds ??= [];
    const changingService =
      (u.serviceIds.length || u.serviceAsks.length) && (g.step === "slot" || g.step === "confirm_hold");
    if (changingService) {
      g.serviceIds = [];
      g.asks = [];
    }
    for (const id of u.serviceIds) if (!g.serviceIds.includes(id)) g.serviceIds.push(id);
    g.asks = [...(g.asks ?? []), ...u.serviceAsks].filter((a) => !a.ids.some((id) => g.serviceIds!.includes(id)));
    if (u.sameAsLast || u.sameStylist) {
      const past = await this.pastBookings();
      // "Lo de siempre": the last visit with a treatment record, else the last one (#21, usual-visit.ts).
      const usual = u.sameAsLast ? await usualVisit(this.ctx.deps, this.ctx.customerId, past, this.lang) : null;
      if (usual && !u.serviceIds.length && !u.serviceAsks.length) {
        g.serviceIds = usual.serviceIds;
        this.say(usualNote(this.lang, usual));
      }
      const lastStaff = usual ? usual.staffId : past[0] ? (past[0].staff_ids[0] ?? null) : undefined;
      if (lastStaff !== undefined && u.staffId === undefined) g.staffId = lastStaff;
    }
    if (u.staffId !== undefined) g.staffId = u.staffId;
    if (u.day?.date) Object.assign(g, { date: u.day.date, dateOptions: null, range: null });
    if (u.day?.options) Object.assign(g, { date: null, dateOptions: u.day.options, range: null });
    if (u.day?.range) Object.assign(g, { date: null, dateOptions: null, range: u.day.range });
    if (u.time) {
      const t = u.time;
      if (t.minute !== undefined) Object.assign(g, { time: t.minute, after: null, before: null });
      if (t.after !== undefined) Object.assign(g, { time: null, after: t.after, before: null });
      if (t.before !== undefined) Object.assign(g, { time: null, before: t.before, after: null });
      if (t.dayPart) Object.assign(g, { dayPart: t.dayPart, ...(t.minute === undefined ? { time: null } : {}) });
    }
    if (u.earliest) g.earliest = true;
    if (u.guest) g.guestName = u.guest.name ?? this.relationLabel(u.guest.relation);
  }

  private relationLabel(relation: string | null): string | null {
    if (!relation) return null;
    return relation.charAt(0).toUpperCase() + relation.slice(1);
  }

  private askDate(options: [string, string]): Escalation {
    const { g } = this;
    g.step = "pick_date";
    const weekday = dateChoice(options[0], this.lang).title.split(/[ ,]/)[0]!;
    this.ask(
      this.t.whichDate(weekday),
      options.map((d) => dateChoice(d, this.lang)),
    );
    return undefined;
  }

  /** Free times for the wish in the state (or for moving a booking). */
  private async offer(bookingId: string | null = null): Promise<Escalation> {
    const { g, t } = this;
    const args: Record<string, unknown> = bookingId
      ? { booking_id: bookingId, ...(g.staffId ? { staff_id: g.staffId } : {}) }
      : { service_ids: g.serviceIds, ...(g.staffId ? { staff_id: g.staffId } : {}) };
    if (g.date) args.date = g.date;
    else if (g.range) Object.assign(args, { date: g.range[0], to_date: g.range[1] });
    if (g.time != null) args.time = hhmm(g.time);
    const part =
      g.dayPart ??
      (g.after != null && g.after >= 14 * 60
        ? "afternoon"
        : g.before != null && g.before <= 14 * 60
          ? "morning"
          : null);
    if (part) args.day_part = part;
    args.limit = 10;
    const r = await this.call("check_availability", args);
    if (r.isError) return this.failed(r.content);
    const c = r.content as {
      slots: Record<string, unknown>[];
      requested_time?: string;
      requested_time_available?: boolean;
      reason?: string;
    };
    g.step = bookingId ? "reschedule_slot" : "slot";
    const within = c.slots.filter((s) => {
      const m = minutesOf(String(s.time ?? ""));
      return (g.after == null || m >= g.after) && (g.before == null || m < g.before);
    });
    const slots = (within.length ? within : c.slots).slice(0, 8);
    if (!slots.length) {
      this.say(t.none);
      return {
        reason: "tool_failure",
        summary: escalationSummary(await this.staffLang(), "none_free", this.input.text),
      };
    }
    const staff = new Set(slots.map((s) => String(s.stylist)));
    const prices = new Set(slots.map((s) => String(s.price)));
    let text = t.slotsFor({
      ...(staff.size === 1 ? { staff: [...staff][0]! } : {}),
      ...(prices.size === 1 ? { price: [...prices][0]! } : {}),
    });
    if (c.reason) text = `${t.reason(c.reason)} ${t.nearest}`;
    else if (c.requested_time_available === false) text = t.takenAt(String(c.requested_time).slice(11));
    this.ask(text, slots.map(slotChoice));
    return undefined;
  }

  /** A slot the customer picked: a proposal (nothing written) awaiting their yes. */
  private async propose(ref: string, forBookingId: string | null): Promise<Escalation> {
    const { g, t } = this;
    g.slotRef = ref;
    const yesNo: AgentChoice[] = [
      { id: `confirm:${ref}`, title: t.yes },
      { id: "reject", title: t.no },
    ];
    if (forBookingId) {
      const r = await this.call("reschedule_booking", { booking_id: forBookingId, slot_ref: ref });
      if (r.isError) return this.failed(r.content);
      g.step = "confirm_reschedule";
      g.bookingId = forBookingId;
      this.ask(t.proposeMove((r.content as { proposal: Record<string, unknown> }).proposal), yesNo);
      return undefined;
    }
    const r = await this.call("hold_slot", { slot_ref: ref, ...(g.guestName ? { guest_name: g.guestName } : {}) });
    if (r.isError) return this.failed(r.content);
    g.step = "confirm_hold";
    this.ask(t.proposeHold((r.content as { proposal: Record<string, unknown> }).proposal), yesNo);
    return undefined;
  }

  // ───────────── the customer's own bookings ─────────────

  private async manageBookings(intent: "mine" | "cancel" | "reschedule"): Promise<Escalation> {
    const { g, u, t } = this;
    const upcoming = await this.upcoming();
    // Someone else's booking: only one this customer made for that person is theirs to manage.
    if (u.othersBooking) {
      const theirs = upcoming.filter((b) => matchesPerson(b.for_person, u.othersBooking!));
      if (!theirs.length) {
        const who = u.othersBooking.name ?? this.possessive(u.othersBooking.relation);
        this.resetBooking();
        g.intent = null;
        g.step = "menu";
        this.ask(t.othersBooking(who), menuChoices(this.lang, ["menu:human", "menu:book", "menu:mine"]));
        return undefined;
      }
      return this.chooseBooking(intent, theirs);
    }
    if (!upcoming.length) {
      this.menu(t.noBookings);
      return undefined;
    }
    if (intent === "mine") {
      const lines = upcoming.map(
        (b) =>
          `• ${b.when}: ${b.services.join(" + ")} (${b.stylist}), ${b.total_price}${b.for_person ? ` – ${b.for_person}` : ""}`,
      );
      this.say(`${t.yourBookings}\n${lines.join("\n")}`);
      this.ask(t.menu, menuChoices(this.lang, ["menu:reschedule", "menu:cancel", "menu:book"]));
      g.step = "menu";
      return undefined;
    }
    if (u.bookingDay) {
      const onDay = upcoming.filter((b) => dayMatches(b.date, u.bookingDay!));
      if (!onDay.length) {
        g.intent = intent;
        g.step = "pick_booking";
        const when = u.bookingDay.date ? dateChoice(u.bookingDay.date, this.lang).title : "";
        this.ask(t.noBookingThatDay(this.lang === "es" ? `el ${when}` : `on ${when}`), upcoming.map(bookingChoice));
        return undefined;
      }
      return this.chooseBooking(intent, onDay);
    }
    return this.chooseBooking(intent, upcoming);
  }

  private async chooseBooking(intent: "mine" | "cancel" | "reschedule", among: BookingSummary[]): Promise<Escalation> {
    const { g, t } = this;
    g.intent = intent === "mine" ? null : intent;
    if (among.length === 1 && intent !== "mine") {
      g.bookingId = among[0]!.booking_id;
      return this.afterBookingChosen();
    }
    g.step = "pick_booking";
    this.ask(t.whichBooking, among.map(bookingChoice));
    return undefined;
  }

  private async afterBookingChosen(): Promise<Escalation> {
    const { g, u, t } = this;
    if (g.intent === "cancel") {
      const r = await this.call("cancel_booking", { booking_id: g.bookingId });
      if (r.isError) return this.failed(r.content);
      g.step = "confirm_cancel";
      this.ask(t.proposeCancel((r.content as { proposal: Record<string, unknown> }).proposal), [
        { id: "confirm:cancel", title: t.yes },
        { id: "reject", title: t.no },
      ]);
      return undefined;
    }
    g.intent = "reschedule";
    Object.assign(g, noWhen());
    await this.merge({ ...u, serviceIds: [], serviceAsks: [], guest: null, sameAsLast: false });
    if (g.dateOptions) return this.askDate(g.dateOptions);
    if (g.date || g.range || g.time != null || g.dayPart) return this.offerMove(g.bookingId!);
    const b = (await this.upcoming()).find((x) => x.booking_id === g.bookingId);
    g.step = "reschedule_day";
    this.say(b ? t.rescheduleDay(b) : t.whichDay);
    return undefined;
  }

  private async offerMove(bookingId: string): Promise<Escalation> {
    const { g, u } = this;
    if (u.day || u.time || u.staffId !== undefined) {
      if (u.day?.date || u.day?.options || u.day?.range)
        Object.assign(g, { date: null, dateOptions: null, range: null });
      await this.merge({ ...u, serviceIds: [], serviceAsks: [], guest: null, sameAsLast: false });
    }
    // "Can I change it to 5pm?": another time on the same day.
    if (u.time && !u.day && !g.date && !g.range && !g.dateOptions) {
      const booked = (await this.upcoming()).find((b) => b.booking_id === bookingId);
      if (booked) g.date = booked.date;
    }
    if (g.dateOptions) return this.askDate(g.dateOptions);
    return this.offer(bookingId);
  }

  // ───────────── questions ─────────────

  private async answerInfo(intent: "prices" | "hours"): Promise<Escalation> {
    const { g, u, t } = this;
    const lines: string[] = [];
    const ids = [...u.serviceIds, ...u.serviceAsks.flatMap((a) => a.ids)];
    if (intent === "prices" || ids.length) {
      const r = await this.call("search_services", { query: "" });
      const all = (r.content as { matches: ServiceMatch[] }).matches;
      const asked = ids.length ? all.filter((m) => ids.includes(m.service_id)) : all;
      if (
        asked.length &&
        asked.length <= 2 &&
        /(haceis|teneis|hacen|tienen|do you)/.test(this.input.text.toLowerCase())
      )
        lines.push(...asked.map((x) => t.doWe(x.name, x.price, x.duration_minutes)));
      else lines.push(...asked.map((x) => t.priceLine(x.name, x.price, x.duration_minutes)));
    }
    if (intent === "hours") {
      const r = await this.call("salon_info", {});
      const s = r.content as { address: string; opening_hours: Record<string, string> };
      lines.push(`${t.address}: ${s.address}`);
      lines.push(
        `${t.hours}:\n${Object.entries(s.opening_hours)
          .map(([d, h]) => `${d}: ${h}`)
          .join("\n")}`,
      );
    }
    this.say(lines.join("\n"));
    // "¿Cuánto cuesta X y tenéis hueco el viernes?": the price, then the times asked for.
    if (intent === "prices" && ids.length && (u.day || u.time || u.earliest)) return this.book(true);
    // A question in the middle of a booking keeps the booking: ask again what was pending.
    if (g.intent === "book" && (g.step === "day" || g.step === "service" || g.step === "slot")) {
      if (u.serviceIds.length) await this.merge({ ...u, serviceAsks: [] });
      this.say(t.stillPending);
      return this.book(false);
    }
    this.ask(t.menu, menuChoices(this.lang, ["menu:book", "menu:info", "menu:human"]));
    g.step = "menu";
    return undefined;
  }

  private async handover(): Promise<Escalation> {
    // Running late is news for the desk, not a request to chat: thanked, and passed on.
    const late = this.u.late;
    this.say(late ? this.t.lateNotice : this.t.handover);
    const complaint = !late && /(queja|reclam|fatal|vergonz|verguenz|complain)/i.test(this.input.text);
    return {
      reason: complaint ? "complaint" : "customer_request",
      summary: escalationSummary(
        await this.staffLang(),
        late ? "late" : complaint ? "complaint" : "asked",
        this.input.text,
      ),
    };
  }

  // ───────────── helpers ─────────────

  private async call(name: string, args: Record<string, unknown>) {
    const r = await runTool({ ...this.ctx, toolUseId: `g_${this.turnId}_${this.n++}` }, this.ledger, name, args);
    if (r.isError) this.toolErrors.push({ name, code: (r.content as { error: { code: string } }).error.code });
    return r;
  }

  private say(text: string) {
    if (text) this.replies.push({ kind: "text", text });
  }

  private ask(text: string, choices: AgentChoice[]) {
    const reply = choicesReply(this.lang, text, choices);
    this.g.choices = reply.choices.map((c) => ({ id: c.id, title: c.title }));
    this.replies.push(reply);
  }

  private menu(prefix?: string) {
    this.resetBooking();
    Object.assign(this.g, { step: "menu", intent: null, bookingId: null });
    this.ask(prefix ? `${prefix}\n${this.t.menu}` : this.t.menu, menuChoices(this.lang));
  }

  private resetBooking() {
    Object.assign(this.g, {
      serviceIds: [],
      pending: [],
      asks: [],
      staffId: null,
      ...noWhen(),
      earliest: false,
      guestName: null,
      slotRef: null,
    });
  }

  /**
   * Issue #21: the visit needs a patch test. The reason in the customer's words (the tool's
   * sentence), and, when there is still time, the offer to book the test first.
   */
  private patchRefused(p: PatchTestErrorView): Escalation {
    const { g, t } = this;
    if (!p.offer) {
      this.menu(p.say);
      return undefined;
    }
    this.resetBooking();
    Object.assign(g, {
      step: "menu",
      intent: null,
      patchOffer: { serviceId: p.offer.service_id, lastDay: p.offer.last_day },
    });
    this.ask(p.say, [
      { id: "patch:yes", title: t.patchYes },
      { id: "patch:no", title: t.patchNo },
    ]);
    return undefined;
  }

  /** A yes to the patch-test offer looks for its times up to the last day; a no leaves it. */
  private async answerPatchOffer(): Promise<Escalation | "open"> {
    const { g, u, pick } = this;
    const offer = g.patchOffer!;
    g.patchOffer = null;
    const yes = pick === "patch:yes" || (!pick && (u.yes || this.ctx.confirmedThisTurn));
    if (yes) {
      this.resetBooking();
      Object.assign(g, { intent: "book", serviceIds: [offer.serviceId], range: [this.ctx.today, offer.lastDay] });
      const r = await this.call("check_availability", {
        service_ids: [offer.serviceId],
        date: this.ctx.today,
        to_date: offer.lastDay,
        limit: 10,
      });
      if (r.isError) return this.failed(r.content);
      // Only times early enough for the visit (the nearest ones after the last day would not do).
      const slots = (r.content as { slots: Record<string, unknown>[] }).slots
        .filter((s) => String(s.date) <= offer.lastDay)
        .slice(0, 8);
      if (!slots.length) {
        this.menu(this.t.patchNone);
        return undefined;
      }
      g.step = "slot";
      this.ask(this.t.patchSlots, slots.map(slotChoice));
      return undefined;
    }
    if (pick === "patch:no" || (!pick && u.no)) {
      this.menu(this.t.patchLater);
      return undefined;
    }
    return "open";
  }

  private failed(content: unknown): Escalation {
    const e = (
      content as {
        error?: {
          code?: string;
          message?: string;
          alternatives?: Record<string, unknown>[];
          patch_test?: PatchTestErrorView;
        };
      }
    ).error;
    if (e?.patch_test) return this.patchRefused(e.patch_test);
    if (e?.alternatives?.length) {
      this.say(`${e.message ?? ""}`.trim());
      this.ask(this.t.nearest, e.alternatives.map(slotChoice));
      this.g.step = this.g.intent === "reschedule" ? "reschedule_slot" : "slot";
      return undefined;
    }
    this.say(this.t.failed);
    return { reason: "tool_failure", summary: escalationSummary("es", "failed", this.input.text) };
  }

  private async loadCatalog(): Promise<Catalog> {
    const { db, locationId } = this.ctx.deps;
    const [services, staff] = await Promise.all([
      db.service.findMany({ where: { locationId, active: true }, select: { id: true, nameEs: true, nameEn: true } }),
      db.staffMember.findMany({
        where: { locationId, bookable: true, active: true },
        select: { id: true, displayName: true },
      }),
    ]);
    return { services, staff };
  }

  private async upcoming(): Promise<BookingSummary[]> {
    const list = await this.call("list_my_bookings", {});
    return (list.content as { upcoming?: BookingSummary[] }).upcoming ?? [];
  }

  private async pastBookings(): Promise<BookingSummary[]> {
    const hist = await this.call("list_my_bookings", { include_past: true });
    return (hist.content as { past?: BookingSummary[] }).past ?? [];
  }

  /** Staff read escalations in the salon's language. */
  private async staffLang(): Promise<Lang> {
    const loc = await this.ctx.deps.db.location.findUnique({
      where: { id: this.ctx.deps.locationId },
      select: { defaultLanguage: true },
    });
    return loc?.defaultLanguage === "en" ? "en" : "es";
  }

  private possessive(relation: string | null): string {
    if (this.lang === "es") return relation ? `tu ${relation}` : "esa persona";
    return relation ? `your ${relation}` : "that person";
  }
}

function hhmm(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

function minutesOf(hm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

function dayMatches(date: string, d: NonNullable<Understanding["bookingDay"]>): boolean {
  if (d.date) return date === d.date;
  if (d.options) return d.options.includes(date);
  if (d.range) return date >= d.range[0] && date <= d.range[1];
  return false;
}

/** A booking made for a person named or related as the customer said ("mi hermana", "Lucía"). */
function matchesPerson(forPerson: string | null, who: { name: string | null; relation: string | null }): boolean {
  if (!forPerson) return false;
  const f = forPerson.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  return (!!who.name && f.includes(who.name.toLowerCase())) || (!!who.relation && f.includes(who.relation));
}

/** The day and time a customer asked for, forgotten (a new request, or a booking being moved). */
function noWhen() {
  return { date: null, dateOptions: null, range: null, time: null, dayPart: null, after: null, before: null };
}
