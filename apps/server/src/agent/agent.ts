// The booking agent behind the channels' port: one durable turn per batch of inbound messages,
// answered by Claude (tools) or, without a key or when Claude is unavailable, by guided mode.
// Guardrails that do not depend on the model live here: silence in human mode, a per-customer
// rate limit, the confirmation flag, escalation after repeated failures or abuse.
import { randomUUID } from "node:crypto";
import type Anthropic from "@anthropic-ai/sdk";
import { metricsOf, turnOutcome } from "../metrics/metrics.ts";
import { toLocal } from "../time/zoned.ts";
import { ClaudeUnavailable, cachedSystemPrompt, type MessageParam, runClaudeTurn } from "./claude.ts";
import { escalationSummary } from "./guided/replies.ts";
import { readsAsYes } from "./guided/text.ts";
import { runGuidedTurn } from "./guided.ts";
import { imageBlock } from "./images.ts";
import { detectLanguage, fold, type Lang } from "./lang.ts";
import {
  askWhichSalon,
  pickedSalon,
  storeConversationLocation,
  type TurnLocation,
  turnLocation,
} from "./location-choice.ts";
import type { AgentMessage, AgentTurnInput, AgentTurnResult, ConversationAgent, OutboundReply } from "./port.ts";
import { dbLedger, type ToolLedger } from "./tools/index.ts";
import { type AgentDeps, type ToolContext, withSeriesOffer } from "./tools/types.ts";
import { beginTurn, completeTurn, failTurn, type OpenTurn, saveTranscript } from "./turns.ts";
import { answerWaitlistTap } from "./waitlist-tap.ts";
import { fitReply } from "./whatsapp.ts";

/** Speech to text for voice notes; off unless configured. */
export interface Transcriber {
  transcribe(audio: { path: string; mimeType: string | null }): Promise<string>;
}

export interface AgentLimits {
  maxToolCallsPerTurn: number;
  turnTimeoutMs: number;
  /** Turns per customer per window before the agent stops answering (abuse/cost guard). */
  rateLimitTurns: number;
  rateLimitWindowMs: number;
  /** How long a turn waits for media the channels are still downloading (voice notes, images). */
  mediaWaitMs: number;
}

export const DEFAULT_LIMITS: AgentLimits = {
  maxToolCallsPerTurn: 8,
  turnTimeoutMs: 60_000,
  rateLimitTurns: 30,
  rateLimitWindowMs: 10 * 60_000,
  mediaWaitMs: 10_000,
};

export interface BookingAgentOptions extends AgentDeps {
  claude?: { client: Anthropic; model: string; maxTokens?: number } | null;
  transcriber?: Transcriber | null;
  limits?: Partial<AgentLimits>;
}

/** Insults and injection attempts (on folded text); the third one hands the chat to a person. */
export const ABUSE =
  /(idiota|imbecil|gilipollas|estupid|puta|mierda|joder|cabron|subnormal|inutil de mierda|stupid|idiot|fuck|shit|bitch|moron|asshole|ignora (tus|las) (reglas|instrucciones)|ignore (all |your |previous )*(rules|instructions)|system prompt|soy (el|la) (encargad|gerente|manager|duen)|i am the (manager|owner)|i'm the (manager|owner)|sin deposito|without (a |the )?deposit|no deposit|developer mode|jailbreak)/;

/** Requests to break the rules or see others' data: guided mode says no politely before helping. */
const RULE_BREAK =
  /(ignora|ignore|olvida (las|tus) instrucciones|system|sistema:|developer mode|jailbreak|sin (pagar )?(el )?deposito|waive|deposit to zero|without (a |the )?deposit|no deposit|descuento|discount|devuelveme el deposito|saltate|override|admin|gerente|encargad|manager|owner|i ?m the|this is [a-z]+ the|otra clienta|other customer|another customer|every customer|todas las reservas|las citas (que tiene|de)|citas de [a-z]+ [a-z]+|quien tiene cita|phone number of|telefono de|telefonos|booking with id|cancela la cita de|move [a-z]+ [a-z]+ s |ya se que esta cerrad|tu hazlo|no need to check|list of my clients|list every)/;

interface TurnReads {
  /** Issue #21: the conversation's salon, or the salons to ask about (one number for several). */
  where: Promise<TurnLocation>;
  location: Promise<{
    id: string;
    timeZone: string;
    horizonDays: number;
    version: number;
    updatedAt: Date;
    defaultLanguage: string;
    seriesOfferWeeks: number | null;
  }>;
  recentTurns: Promise<number>;
}

/** State note while the "which salon?" question is open; holds the customer's first message. */
const SALON_ASKED = "salon_asked:";

const TOOL_FAILURE_CODES = new Set(["INTERNAL", "UNAVAILABLE", "LIMIT", "CONFLICT"]);

export class BookingAgent implements ConversationAgent {
  readonly name: string;
  private readonly limits: AgentLimits;

  constructor(private readonly opts: BookingAgentOptions) {
    this.name = opts.claude ? "claude" : "guided";
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  async handleTurn(input: AgentTurnInput): Promise<AgentTurnResult> {
    // In human mode the bot is silent; staff answer from the console.
    if (input.conversation.mode === "human") return { replies: [] };
    const db = this.opts.db;
    const customerTexts = input.newMessages.filter((m) => m.author === "customer");
    const lastCustomer = customerTexts.at(-1) ?? null;
    const fallbackLang: Lang = input.customer.language === "en" ? "en" : "es";
    // Reads the turn needs whatever happens, started alongside opening the turn.
    const newTurnId = randomUUID();
    const startedAt = performance.now();
    const since = new Date(Date.now() - this.limits.rateLimitWindowMs);
    // The conversation's location (issue #21: its inbox's, or the customer's answer), else the default.
    const where = turnLocation(db, input.conversation, this.opts.locationId);
    // A chat without a location usually gets the default one (no inbox names it): read it alongside
    // the inbox lookup instead of after it.
    const byDefault = input.conversation.locationId ? null : readLocation(db, this.opts.locationId);
    byDefault?.catch(() => {});
    const reads: TurnReads = {
      where,
      location: where.then((w) => {
        const id = w.kind === "known" ? w.locationId : this.opts.locationId;
        return byDefault && id === this.opts.locationId ? byDefault : readLocation(db, id);
      }),
      // This customer's turns in the window (all conversations, real time), a new one not included.
      recentTurns: db.agentTurn.count({
        where: { conversation: { customerId: input.customer.id }, startedAt: { gte: since }, id: { not: newTurnId } },
      }),
    };
    // Not awaited when the turn is a replay: never an unhandled rejection.
    where.catch(() => {});
    reads.location.catch(() => {});
    reads.recentTurns.catch(() => {});
    const begun = await beginTurn(db, {
      conversationId: input.conversation.id,
      messageIds: input.newMessages.map((m) => m.id),
      mode: this.opts.claude ? "claude" : "guided",
      lang: fallbackLang,
      newTurnId,
    });
    if (begun.kind === "done") return begun.result; // already answered: the same replies, no new writes
    const turn = begun.turn;
    // A turn opened just now has no ledger rows to look up; a resumed one replays its own.
    const ledger = dbLedger(db, turn.id, { fresh: !turn.resumed, ready: turn.ready });
    try {
      const result = await this.runTurn(input, turn, lastCustomer, reads, ledger);
      await completeTurn(db, turn, {
        mode: result.mode,
        result: result.result,
        conversationId: input.conversation.id,
        toolCalls: ledger.takeDeferred(),
      });
      metricsOf(this.opts)?.agentTurn(result.mode, turnOutcome(result.result), startedAt);
      return result.result;
    } catch (e) {
      metricsOf(this.opts)?.agentTurn(this.name, "failed", startedAt);
      await failTurn(db, turn, e instanceof Error ? e.message : String(e), ledger.takeDeferred());
      throw e;
    }
  }

  /**
   * The channels download media in a job of their own, which may finish after the turn starts.
   * Media this turn can use (a voice note with a transcriber, an image for Claude) is waited for a
   * little (mediaWaitMs), reading the message rows again; after that the turn goes on without it.
   */
  private async withStoredMedia(messages: AgentMessage[]): Promise<AgentMessage[]> {
    const usable = (a: AgentMessage["attachments"][number], m: AgentMessage) =>
      !a.storedPath &&
      ((this.opts.transcriber && (a.type === "audio" || a.type === "voice" || m.kind === "audio")) ||
        (this.opts.claude && (a.type === "image" || m.kind === "image")));
    const waiting = () => messages.filter((m) => m.attachments.some((a) => usable(a, m)));
    const end = Date.now() + this.limits.mediaWaitMs;
    while (waiting().length && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      const rows = await this.opts.db.message.findMany({
        where: { id: { in: waiting().map((m) => m.id) } },
        select: { id: true, attachments: true },
      });
      messages = messages.map((m) => {
        const row = rows.find((r) => r.id === m.id);
        const stored = (row?.attachments ?? []) as { storedPath?: string | null; mimeType?: string | null }[];
        if (!row || !stored.some((a) => a.storedPath)) return m;
        return {
          ...m,
          attachments: m.attachments.map((a, i) => ({
            ...a,
            storedPath: a.storedPath ?? stored[i]?.storedPath ?? null,
            mimeType: a.mimeType ?? stored[i]?.mimeType ?? null,
          })),
        };
      });
    }
    return messages;
  }

  private async runTurn(
    input: AgentTurnInput,
    turn: OpenTurn,
    lastCustomer: AgentMessage | null,
    reads: TurnReads,
    ledger: ToolLedger,
  ): Promise<{ mode: string; result: AgentTurnResult }> {
    const { db, clock } = this.opts;
    const state = turn.state;
    const text = input.newMessages
      .filter((m) => m.author === "customer" && m.body)
      .map((m) => m.body!.trim())
      .join("\n");
    state.lang = detectLanguage(text, state.lang ?? (input.customer.language === "en" ? "en" : "es"));
    let lang = state.lang;
    const mode0 = this.opts.claude ? "claude" : "guided";

    // Per-customer rate limit (all of this customer's conversations, real time), this turn included.
    const recent = (await reads.recentTurns) + (turn.resumed ? 0 : 1);
    if (recent > this.limits.rateLimitTurns) {
      const told = state.notes.includes("rate_limited");
      if (!told) state.notes.push("rate_limited");
      if (told) return { mode: mode0, result: { replies: [] } };
      return saying(mode0, lang, {
        es: "Estás enviando muchos mensajes seguidos. Espera unos minutos y te atendemos.",
        en: "You're sending a lot of messages. Please wait a few minutes and we'll help you.",
      });
    }
    state.notes = state.notes.filter((n) => n !== "rate_limited");

    // Media: voice notes are transcribed when a transcriber is configured and then count as text (for
    // the language, the abuse guard and the answer); images go to the model, downscaled. A voice note
    // that cannot be heard (no transcriber, or the service failing) makes the customer be asked, kindly,
    // to write: never a failed turn.
    const extraTexts: string[] = [];
    const imageBlocks: Anthropic.Messages.ImageBlockParam[] = [];
    const notes: string[] = [];
    const messages = await this.withStoredMedia(input.newMessages);
    for (const m of messages) {
      for (const a of m.attachments) {
        if (a.type === "audio" || a.type === "voice" || m.kind === "audio") {
          if (this.opts.transcriber && a.storedPath) {
            try {
              extraTexts.push(
                await this.opts.transcriber.transcribe({ path: a.storedPath, mimeType: a.mimeType ?? null }),
              );
            } catch (e) {
              // The error names the failure (status, timeout…), never the service's key.
              this.opts.log?.warn(
                { err: e instanceof Error ? e.message : String(e), conversationId: input.conversation.id },
                "voice note not transcribed; the customer is asked to write",
              );
              notes.push("voice_transcription_failed");
            }
          } else {
            notes.push("voice_without_transcriber");
          }
        } else if (a.type === "image" || m.kind === "image") {
          const img = a.storedPath
            ? await imageBlock(a.storedPath, a.mimeType ?? null)
            : { block: null, reason: "not_stored" };
          if (img.block) imageBlocks.push(img.block);
          else notes.push(`image_not_viewable:${img.reason}`);
        }
      }
    }
    let fullText = [text, ...extraTexts].filter(Boolean).join("\n");
    if (extraTexts.length) {
      state.lang = detectLanguage(fullText, lang);
      lang = state.lang;
    }
    const voiceUnheard = notes.some((n) => n === "voice_without_transcriber" || n === "voice_transcription_failed");
    if (!fullText && voiceUnheard) {
      return saying(mode0, lang, {
        es: "¡Gracias por tu audio! Ahora mismo no puedo escuchar notas de voz. ¿Me lo escribes, por favor?",
        en: "Thanks for your voice note! I can't listen to audio right now. Could you type it for me, please?",
      });
    }

    // Abuse and injection attempts: counted in code; repeated abuse goes to a person.
    const abusive = ABUSE.test(fold(fullText));
    const ruleBreaking = RULE_BREAK.test(fold(fullText));
    if (abusive) state.abuse++;
    if (state.abuse >= 3) {
      state.abuse = 0;
      const staffLang = staffLanguage(await reads.location);
      return saying(
        mode0,
        lang,
        {
          es: "Voy a pasar la conversación a una persona del salón.",
          en: "I'm passing this conversation to a person at the salon.",
        },
        {
          reason: "abuse",
          summary: escalationSummary(staffLang, "abuse", fullText),
        },
      );
    }

    // Issue #21: one number for several salons and none chosen yet → ask which one (either mode);
    // the answer is stored on the conversation and the customer's earlier message is answered.
    const where = await reads.where;
    let location = await reads.location;
    let salonNote: string | null = null;
    if (where.kind === "ask") {
      const picked = pickedSalon(where.options, lastCustomer?.selectedChoiceId ?? null, fullText);
      const asked = state.notes.find((n) => n.startsWith(SALON_ASKED));
      if (!picked) {
        // The first message is kept to be answered once the salon is known.
        if (!asked) state.notes.push(`${SALON_ASKED}${fullText.slice(0, 1000)}`);
        return { mode: mode0, result: { replies: askWhichSalon(lang, where.options, asked !== undefined) } };
      }
      await storeConversationLocation(db, input.conversation.id, picked.id);
      state.notes = state.notes.filter((n) => !n.startsWith(SALON_ASKED));
      location = await readLocation(db, picked.id);
      // What the customer wrote before being asked (the question's answer is only the salon).
      fullText = asked ? asked.slice(SALON_ASKED.length) : "";
      salonNote = `The customer chose the salon "${picked.name}".`;
    }
    // The salon's repeat offer as set now (Settings → Policies), for this turn's tools and prompt.
    const deps = withSeriesOffer({ ...this.opts, locationId: location.id }, location.seriesOfferWeeks);
    const ctxBase: Omit<ToolContext, "toolUseId"> = {
      deps,
      customerId: input.customer.id,
      conversationId: input.conversation.id,
      lang,
      state,
      // As written, or as guided mode reads it ("sip", "okis", "sii"): a yes either way.
      confirmedThisTurn: lastCustomer ? readsAsYes(lastCustomer.body, lastCustomer.selectedChoiceId ?? null) : false,
      today: toLocal(clock(), location.timeZone).date,
      timeZone: location.timeZone,
      horizonDays: location.horizonDays,
      memo: {},
    };
    let mode = mode0;
    let replies: OutboundReply[] = [];
    let escalate: { reason: string; summary: string } | undefined;
    let toolErrors: { name: string; code: string }[] = [];
    let understood = true;

    // A waitlist offer's button names the offer: answered in code, in either mode.
    const tap = await answerWaitlistTap(ctxBase, ledger, turn.id, lastCustomer?.selectedChoiceId ?? null);
    if (tap) ({ replies, toolErrors } = tap);
    else if (this.opts.claude) {
      try {
        const userContent: Anthropic.Messages.ContentBlockParam[] = [];
        if (input.handBackNote) {
          userContent.push({
            type: "text",
            text: `[Note from salon staff when handing the chat back to you: ${input.handBackNote}]`,
          });
        }
        if (salonNote) userContent.push({ type: "text", text: `[${salonNote}]` });
        if (fullText) userContent.push({ type: "text", text: fullText });
        userContent.push(...imageBlocks);
        for (const n of notes) userContent.push({ type: "text", text: `[${n}]` });
        if (!userContent.length) userContent.push({ type: "text", text: "(empty message)" });
        const out = await runClaudeTurn({
          client: this.opts.claude.client,
          model: this.opts.claude.model,
          maxTokens: this.opts.claude.maxTokens ?? 1024,
          deps,
          turn,
          ledger,
          ctxBase,
          customerName: input.customer.name,
          history: historyMessages(input.history),
          userContent,
          persist: () => saveTranscript(db, turn, "claude"),
          system: cachedSystemPrompt(deps, input.customer.id, ctxBase.today, location),
          maxToolCalls: this.limits.maxToolCallsPerTurn,
          deadline: Date.now() + this.limits.turnTimeoutMs,
        });
        replies = out.replies;
        escalate = out.escalate;
        toolErrors = out.toolErrors;
        if (out.limitHit) toolErrors.push({ name: "turn", code: "LIMIT" });
      } catch (e) {
        if (!(e instanceof ClaudeUnavailable)) throw e;
        this.opts.log?.warn(
          { reason: e.reason, conversationId: input.conversation.id },
          "Claude unavailable; guided mode answers",
        );
        turn.entries.push({ type: "fallback", reason: e.reason });
        mode = "guided";
      }
    }
    if (mode === "guided" && !tap) {
      const out = await runGuidedTurn(ctxBase, ledger, turn.id, {
        // Insults are not searched for services or echoed back: the menu is shown instead.
        text: abusive && !ruleBreaking ? "" : fullText,
        choiceId: lastCustomer?.selectedChoiceId ?? null,
        handBackNote: input.handBackNote,
      });
      if (voiceUnheard) {
        out.replies.unshift({
          kind: "text",
          text:
            lang === "es"
              ? "No he podido escuchar tu audio; te respondo a lo que has escrito."
              : "I couldn't listen to your voice note; here's an answer to what you wrote.",
        });
      }
      if (imageBlocks.length || notes.some((n) => n.startsWith("image_"))) {
        out.replies.unshift({
          kind: "text",
          text:
            lang === "es"
              ? "He recibido tu imagen; el salón la verá en la conversación."
              : "I got your image; the salon will see it in the chat.",
        });
      }
      if (abusive || ruleBreaking) {
        // A polite no, then the usual help; the tools never allow it anyway.
        out.replies.unshift({
          kind: "text",
          text:
            lang === "es"
              ? "Lo siento, no puedo saltarme las normas del salón (depósitos, horarios, cancelaciones) ni mostrar o cambiar citas de otras personas. Con gusto te ayudo con las tuyas."
              : "Sorry, I can't bypass the salon's rules (deposits, hours, cancellations) or show or change other people's bookings. I'm happy to help with yours.",
        });
        // Saying no is an answer, not a misunderstanding.
        out.understood = true;
      }
      replies = out.replies;
      escalate = out.escalate;
      toolErrors = out.toolErrors;
      understood = out.understood;
    }

    // Escalation rules in code: not understood twice in a row, a tool failing repeatedly.
    state.misunderstood = understood ? 0 : state.misunderstood + 1;
    for (const e of toolErrors) {
      if (TOOL_FAILURE_CODES.has(e.code)) state.toolFailures[e.name] = (state.toolFailures[e.name] ?? 0) + 1;
    }
    const failing = Object.entries(state.toolFailures).find(([, n]) => n >= 3);
    if (!escalate && state.misunderstood >= 2) {
      escalate = {
        reason: "not_understood",
        summary: escalationSummary(staffLanguage(location), "not_understood", fullText),
      };
      replies = [
        {
          kind: "text",
          text:
            lang === "es"
              ? "Te paso con una persona del salón para ayudarte mejor."
              : "I'll pass you to a person at the salon who can help.",
        },
      ];
    } else if (!escalate && failing) {
      escalate = { reason: "tool_failure", summary: escalationSummary(staffLanguage(location), "failed", fullText) };
      this.opts.log?.warn({ tool: failing[0], failures: failing[1] }, "a tool keeps failing: handed to staff");
      replies.push({
        kind: "text",
        text:
          lang === "es"
            ? "Estoy teniendo problemas técnicos; te paso con una persona del salón."
            : "I'm having technical trouble; I'll pass you to a person at the salon.",
      });
    }
    if (escalate && !replies.length) {
      // The customer is always told that a person takes over (the model may hand over silently).
      replies = [
        {
          kind: "text",
          text:
            lang === "es"
              ? "Te paso con una persona del salón; te responderá aquí en cuanto pueda."
              : "I'm passing you to a person at the salon; they'll answer here as soon as they can.",
        },
      ];
    }
    if (escalate) {
      state.misunderstood = 0;
      state.toolFailures = {};
      state.guided = { step: "menu" };
    }
    if (!replies.length && !escalate) {
      replies = [{ kind: "text", text: lang === "es" ? "¿En qué te puedo ayudar?" : "How can I help?" }];
    }
    return {
      mode,
      result: {
        // Both modes' replies shaped to WhatsApp's limits in one place (whatsapp.ts).
        replies: replies.map((r) => fitReply(lang, r)),
        ...(escalate ? { escalate } : {}),
        transcript: [{ mode, turnId: turn.id, toolErrors }],
      },
    };
  }
}

/** Staff read escalations in the salon's language. */
const staffLanguage = (location: { defaultLanguage: string }): Lang =>
  location.defaultLanguage === "en" ? "en" : "es";

/** A turn that only says one thing (in the customer's language), perhaps handing the chat to staff. */
/** What a turn reads of its location (issue #21: the conversation's, read per turn). */
function readLocation(db: BookingAgentOptions["db"], id: string) {
  return db.location.findUniqueOrThrow({
    where: { id },
    select: {
      id: true,
      timeZone: true,
      horizonDays: true,
      version: true,
      updatedAt: true,
      defaultLanguage: true,
      seriesOfferWeeks: true,
    },
  });
}

function saying(mode: string, lang: Lang, text: Record<Lang, string>, escalate?: { reason: string; summary: string }) {
  return {
    mode,
    result: { replies: [{ kind: "text" as const, text: text[lang] }], ...(escalate ? { escalate } : {}) },
  };
}

/** Earlier messages as model messages: the customer as user; bot and staff (labelled) as assistant. */
export function historyMessages(history: AgentMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  for (const m of history.slice(-30)) {
    if (!m.body) continue;
    const role = m.author === "customer" ? "user" : "assistant";
    const text = m.author === "staff" ? `[Salon staff wrote]: ${m.body}` : m.body;
    const last = out.at(-1);
    if (last && last.role === role) (last.content as Anthropic.Messages.TextBlockParam[]).push({ type: "text", text });
    else out.push({ role, content: [{ type: "text", text }] });
  }
  return out;
}
