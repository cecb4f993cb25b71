// WhatsApp's limits on what a bot can send, and the one function that shapes a message with
// choices to fit them (both agent modes; channels/clients.ts then only maps the shape to each
// channel's wire format). Meta rejects longer strings; Chatwoot cuts them.
//
//   buttons: at most 3, titles ≤ 20 characters
//   list:    at most 10 rows, row titles ≤ 24, descriptions ≤ 72, the button that opens it ≤ 20
//   body:    ≤ 1024 characters with buttons, ≤ 4096 for text and lists
import type { Lang } from "./lang.ts";
import type { AgentChoice, OutboundReply } from "./port.ts";

export const LIMITS = {
  buttons: 3,
  buttonTitle: 20,
  rows: 10,
  rowTitle: 24,
  rowDescription: 72,
  listButton: 20,
  buttonsBody: 1024,
  body: 4096,
};

/** The list button's label, in the customer's language. */
export const LIST_BUTTON: Record<Lang, string> = { es: "Ver opciones", en: "See options" };

/** Characters as WhatsApp counts them (code points: an emoji is one, not two UTF-16 units). */
export const chars = (s: string) => [...s].length;

/** Cuts a title at a word boundary to fit, never mid-word ("Reservar para otra perso"). */
export function fit(title: string, max: number): string {
  const cps = [...title.trim()];
  if (cps.length <= max) return cps.join("");
  const cut = cps.slice(0, max + 1).join("");
  const space = cut.lastIndexOf(" ");
  if (space > cut.length / 2) return cut.slice(0, space).replace(/[\s,·:;–-]+$/u, "");
  return `${cps.slice(0, max - 1).join("")}…`;
}

type ChoicesReply = Extract<OutboundReply, { kind: "choices" }>;

/**
 * A message with choices, shaped for WhatsApp: up to 3 short ones without descriptions become buttons, others a
 * list of at most 10 rows opened by a button in the customer's language. Idempotent.
 */
export function choicesReply(
  lang: Lang,
  text: string,
  choices: AgentChoice[],
  o: { list?: boolean } = {},
): ChoicesReply {
  const rows = choices.slice(0, LIMITS.rows);
  // Buttons carry no description: choices that have one (a slot's stylist and price) go in a list.
  const asButtons =
    !o.list &&
    rows.length <= LIMITS.buttons &&
    rows.every((c) => !c.description && chars(c.title.trim()) <= LIMITS.buttonTitle);
  const bodyMax = asButtons ? LIMITS.buttonsBody : LIMITS.body;
  return {
    kind: "choices",
    text: chars(text) > bodyMax ? `${[...text].slice(0, bodyMax - 1).join("")}…` : text,
    choices: rows.map((c) => {
      const description = c.description ? fit(c.description, LIMITS.rowDescription) : "";
      return {
        id: c.id,
        title: fit(c.title, asButtons ? LIMITS.buttonTitle : LIMITS.rowTitle),
        ...(description ? { description } : {}),
      };
    }),
    ...(asButtons ? {} : { buttonLabel: LIST_BUTTON[lang] }),
  };
}

/** Any reply, shaped to fit (text bodies cut at 4096 characters; choices as above). */
export function fitReply(lang: Lang, reply: OutboundReply): OutboundReply {
  if (reply.kind === "choices") {
    if (!reply.choices.length) return { kind: "text", text: reply.text };
    return choicesReply(lang, reply.text, reply.choices, { list: Boolean(reply.buttonLabel) });
  }
  if (reply.kind === "text" && chars(reply.text) > LIMITS.body)
    return { kind: "text", text: `${[...reply.text].slice(0, LIMITS.body - 1).join("")}…` };
  return reply;
}

/** What in a reply breaks WhatsApp's limits (empty when it fits). */
export function limitViolations(reply: OutboundReply): string[] {
  const out: string[] = [];
  if (reply.kind === "text" && chars(reply.text) > LIMITS.body) out.push(`text longer than ${LIMITS.body}`);
  if (reply.kind !== "choices") return out;
  const buttons = !reply.buttonLabel;
  if (buttons) {
    if (reply.choices.length > LIMITS.buttons) out.push(`${reply.choices.length} buttons`);
    if (chars(reply.text) > LIMITS.buttonsBody) out.push(`button body longer than ${LIMITS.buttonsBody}`);
  } else {
    if (reply.choices.length > LIMITS.rows) out.push(`${reply.choices.length} list rows`);
    if (chars(reply.buttonLabel!) > LIMITS.listButton) out.push(`list button "${reply.buttonLabel}"`);
    if (chars(reply.text) > LIMITS.body) out.push(`list body longer than ${LIMITS.body}`);
  }
  for (const c of reply.choices) {
    const max = buttons ? LIMITS.buttonTitle : LIMITS.rowTitle;
    if (!c.title.trim()) out.push("empty title");
    if (chars(c.title) > max) out.push(`title "${c.title}" over ${max}`);
    if (c.description && chars(c.description) > LIMITS.rowDescription) out.push(`description "${c.description}"`);
    if (buttons && c.description) out.push(`button "${c.title}" with a description (buttons have none)`);
  }
  return out;
}
