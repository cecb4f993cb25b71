// A tap on a waitlist offer's button ("Sí, lo quiero" / "No, gracias", ids waitlist.accept:<offer> /
// waitlist.decline:<offer>, waitlist/messages.ts) is answered in code in both modes: the id names
// the offer, so no model is needed to understand it. The same tool as the model's
// (answer_waitlist_offer, through the ledger) and the same sentences as guided mode.

import { parseWaitlistChoice } from "../waitlist/messages.ts";
import { offerAnswerText } from "./guided/visits-dialogue.ts";
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
  const toolErrors: { name: string; code: string }[] = [];
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await runTool({ ...ctxBase, toolUseId: `w_${turnId}_${n++}` }, ledger, name, args);
    if (r.isError) toolErrors.push({ name, code: (r.content as { error: { code: string } }).error.code });
    return r;
  };
  const r = await call("answer_waitlist_offer", { answer: tap.answer, offer_id: tap.offerId });
  const text = await offerAnswerText({ lang: ctxBase.lang, call }, r);
  ctxBase.state.guided = { step: "menu" };
  return { replies: [{ kind: "text", text }], toolErrors };
}
