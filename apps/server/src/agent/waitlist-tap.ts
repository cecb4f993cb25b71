// A tap on a waitlist offer's button ("Sí, lo quiero" / "No, gracias", ids waitlist.accept:<offer> /
// waitlist.decline:<offer>, waitlist/messages.ts) is answered in code in both modes: the id names
// the offer, so no model is needed to understand it. The same tool as the model's
// (answer_waitlist_offer, through the ledger) and the same dialogue step as guided mode (lost → the
// nearest free times as slots to tap, which either mode can then hold).
import { parseWaitlistChoice } from "../waitlist/messages.ts";
import { choicesReply } from "./guided/replies.ts";
import { answerOffer, type VisitsIO } from "./guided/visits-dialogue.ts";
import type { OutboundReply } from "./port.ts";
import { runTool, type ToolLedger } from "./tools/index.ts";
import type { ToolContext } from "./tools/types.ts";

/** The replies to a waitlist button tap, or null when the turn is not one. */
export async function answerWaitlistTap(
  ctxBase: Omit<ToolContext, "toolUseId">,
  ledger: ToolLedger,
  turnId: string,
  choiceId: string | null,
): Promise<{ replies: OutboundReply[]; toolErrors: { name: string; code: string }[] } | null> {
  const tap = parseWaitlistChoice(choiceId);
  if (!tap) return null;
  let n = 0;
  const replies: OutboundReply[] = [];
  const toolErrors: { name: string; code: string }[] = [];
  const lang = ctxBase.lang;
  ctxBase.state.guided = { step: "menu" };
  const g = ctxBase.state.guided;
  const io: VisitsIO = {
    lang,
    ctx: ctxBase,
    g,
    text: "",
    async call(name, args) {
      const r = await runTool({ ...ctxBase, toolUseId: `w_${turnId}_${n++}` }, ledger, name, args);
      if (r.isError) toolErrors.push({ name, code: (r.content as { error: { code: string } }).error.code });
      return r;
    },
    say: (text) => {
      if (text) replies.push({ kind: "text", text });
    },
    ask: (text, choices) => {
      const reply = choicesReply(lang, text, choices);
      g.choices = reply.choices.map((c) => ({ id: c.id, title: c.title }));
      replies.push(reply);
    },
    menu: (prefix) => {
      if (prefix) replies.push({ kind: "text", text: prefix });
    },
  };
  await answerOffer(io, tap.answer, tap.offerId);
  return { replies, toolErrors };
}
