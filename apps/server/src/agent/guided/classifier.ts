// Guided mode's intent classifier: nlp.js (a small neural classifier over stemmed words, Spanish and
// English) trained once per process from intents.ts. Pure JavaScript, ~30 ms to train, <1 ms a
// message. It reads what the customer wants; days, services and people are read by understand.ts.
import { createRequire } from "node:module";
import type { Lang } from "../lang.ts";
import { type Intent, UTTERANCES } from "./intents.ts";
import { normalise } from "./text.ts";

interface NlpResult {
  intent: string;
  score: number;
}
interface Nlp {
  process(locale: string, text: string): Promise<NlpResult>;
}

// nlp.js is CommonJS without type declarations: loaded through require, typed by what we use.
interface Container {
  use(plugin: unknown): void;
  registerConfiguration(tag: string, settings: Record<string, unknown>, overwrite: boolean): void;
  get(name: "nlp"): NlpTrainer;
}
interface NlpTrainer extends Nlp {
  settings: { autoSave: boolean; log: boolean };
  addLanguage(locale: string): void;
  addDocument(locale: string, utterance: string, intent: string): void;
  train(): Promise<void>;
}
let trained: Promise<Nlp> | null = null;

async function train(): Promise<Nlp> {
  // Required here, not at the top: loading nlp.js (~50 ms) is then no part of the server's start.
  const require = createRequire(import.meta.url);
  const core = require("@nlpjs/core") as { containerBootstrap(): Promise<Container> };
  const { Nlp: NlpPlugin } = require("@nlpjs/nlp") as { Nlp: unknown };
  const { LangEs } = require("@nlpjs/lang-es") as { LangEs: unknown };
  const { LangEn } = require("@nlpjs/lang-en-min") as { LangEn: unknown };
  const container = await core.containerBootstrap();
  container.use(NlpPlugin);
  container.use(LangEs);
  container.use(LangEn);
  // nlp.js's neural defaults print every training epoch; its other defaults are kept.
  container.registerConfiguration(
    "nlu-??",
    {
      keepStopwords: true,
      nonefeatureValue: 1,
      nonedeltaMultiplier: 1.2,
      spellCheck: false,
      spellCheckDistance: 1,
      filterZeros: true,
      log: false,
    },
    true,
  );
  const nlp = container.get("nlp");
  nlp.settings.autoSave = false;
  nlp.settings.log = false;
  nlp.addLanguage("es");
  nlp.addLanguage("en");
  for (const [intent, by] of Object.entries(UTTERANCES)) {
    for (const u of by.es) nlp.addDocument("es", normalise(u), intent);
    for (const u of by.en) nlp.addDocument("en", normalise(u), intent);
  }
  await nlp.train();
  return nlp;
}

/** The trained classifier (trained on first use; later calls share it). */
export function classifier(): Promise<Nlp> {
  trained ??= train();
  return trained;
}

/** Below this the classifier's guess is not used on its own. */
export const CONFIDENT = 0.6;

/** What a message asks for, with the classifier's confidence; null when it cannot tell. */
export async function classify(text: string, lang: Lang): Promise<{ intent: Intent; score: number } | null> {
  const f = normalise(text);
  if (!f) return null;
  const nlp = await classifier();
  const r = await nlp.process(lang, f);
  if (!r.intent || r.intent === "None") return null;
  return { intent: r.intent as Intent, score: r.score };
}
