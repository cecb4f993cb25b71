// pnpm eval:agent [-- --trials 3 --min-pass1 0.8 --min-passk 0.6 --scenarios 1,3,9 --max-turns 10]
// Live evaluation with ANTHROPIC_API_KEY: for each scenario, k trials; in each a simulated customer
// (Claude playing the scenario's persona, with its known and unknown facts) talks to the agent in
// Claude mode on a fresh seeded salon (frozen clock). Each trial is graded by the same final-state
// checks as the scenario tests (eval/scenarios.ts). Reports pass^1 (mean success) and pass^k (per
// scenario the chance that k trials all pass, estimated as C(c,k)/C(n,k); averaged), writes every
// transcript under test-results/agent-eval/<run>/, exits 1 under the thresholds. Without a key it
// says so and exits 0.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type Anthropic from "@anthropic-ai/sdk";
import { loadConfig } from "../../config/env.ts";
import { createClaudeClient } from "../claude.ts";
import type { OutboundReply } from "../port.ts";
import { mediaDir, storedImage, storedVoice } from "../testing/media.ts";
import { createAgentWorldOn, standalonePostgres } from "../testing/world.ts";
import { SCENARIOS, type ScenarioDef } from "./scenarios.ts";

const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const STOP = "###STOP###";

const { values: args } = parseArgs({
  // `pnpm eval:agent -- --scenarios 1` passes the "--" through: drop it, or every option is ignored.
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")),
  options: {
    trials: { type: "string", default: "3" },
    "min-pass1": { type: "string", default: "0.8" },
    "min-passk": { type: "string", default: "0.6" },
    scenarios: { type: "string" },
    "max-turns": { type: "string", default: "10" },
    "customer-model": { type: "string" },
  },
  allowPositionals: true,
});

function render(r: OutboundReply): string {
  if (r.kind === "template") return `[template ${r.name}]`;
  if (r.kind === "choices")
    return `${r.text}\n${r.choices.map((c, i) => `${i + 1}. ${c.title}${c.description ? ` (${c.description})` : ""}`).join("\n")}`;
  return r.text;
}

function customerSystem(s: ScenarioDef, ctx: Record<string, unknown>): string {
  const fill = (x: string) => x.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(ctx[k] ?? `{{${k}}}`));
  return [
    "You are role-playing a CUSTOMER writing to a hair salon's WhatsApp assistant. Stay in character.",
    `Persona and goal: ${fill(s.persona)}`,
    s.known.length ? `What you know (use only these facts): ${s.known.map(fill).join("; ")}` : "",
    s.unknown.length
      ? `What you do not know (never invent it; let the assistant tell you): ${s.unknown.join("; ")}`
      : "",
    "Write short, natural WhatsApp messages (one or two sentences), in the persona's language. When offered numbered options you may answer with the option's words.",
    `When your goal is reached, or clearly cannot be reached, or you were handed to a person and got an answer, reply with exactly ${STOP}.`,
    "Today is Tuesday 10 March 2026 (Europe/Madrid).",
  ]
    .filter(Boolean)
    .join("\n");
}

function passHatK(n: number, c: number, k: number): number {
  if (n < k) return Number.NaN;
  let num = 1;
  let den = 1;
  for (let i = 0; i < k; i++) {
    num *= c - i;
    den *= n - i;
  }
  return Math.max(0, num / den);
}

const config = loadConfig();
if (!config.ANTHROPIC_API_KEY) {
  console.log("eval:agent: ANTHROPIC_API_KEY is not set — the live evaluation needs the real API; nothing to do.");
  process.exit(0);
}
const k = Number(args.trials);
const maxTurns = Number(args["max-turns"]);
const chosen = args.scenarios ? SCENARIOS.filter((s) => args.scenarios!.split(",").includes(s.id)) : SCENARIOS;
const runDir = join(ROOT, "test-results", "agent-eval", new Date().toISOString().replaceAll(":", "-"));
await mkdir(runDir, { recursive: true });

const claudeClient = (): Promise<Anthropic> =>
  createClaudeClient({
    apiKey: config.ANTHROPIC_API_KEY!,
    baseURL: config.ANTHROPIC_BASE_URL,
    model: config.ANTHROPIC_MODEL,
    maxRetries: 4,
    requestTimeoutMs: 60_000,
  });
const customerModel = args["customer-model"] ?? config.ANTHROPIC_MODEL;
const pg = await standalonePostgres();
const media = await mediaDir();
const results: { scenario: string; trial: number; pass: boolean; failures: string[] }[] = [];

try {
  for (const s of chosen) {
    for (let trial = 1; trial <= k; trial++) {
      const w = await createAgentWorldOn(await pg.database(), {
        claude: { client: await claudeClient(), model: config.ANTHROPIC_MODEL },
      });
      const transcript: { who: string; text: string }[] = [];
      let failures: string[] = [];
      try {
        const chat = await w.chat(`+3460${String(1000000 + trial * 1000 + Number(s.id))}`, { language: s.lang });
        const ctx = (await s.setup?.(w, chat)) ?? {};
        const customer = await claudeClient();
        const sim: Anthropic.Messages.MessageParam[] = [
          { role: "user", content: "(The chat opens. Write your first message to the salon.)" },
        ];
        for (let turn = 0; turn < maxTurns; turn++) {
          const said = await customer.messages.create({
            model: customerModel,
            max_tokens: 300,
            system: customerSystem(s, ctx),
            messages: sim,
          });
          const text = said.content
            .filter((b): b is Anthropic.Messages.TextBlock => b.type === "text")
            .map((b) => b.text)
            .join("\n")
            .trim();
          if (!text || text.includes(STOP)) break;
          sim.push({ role: "assistant", content: text });
          transcript.push({ who: "customer", text });
          const attachments =
            turn === 0 && s.firstAttachments
              ? [await (s.firstAttachments === "image" ? storedImage(media) : storedVoice(media))]
              : [];
          await chat.store(text, {
            kind: s.firstAttachments === "image" && turn === 0 ? "image" : "text",
            attachments,
          });
          const input = await chat.input();
          const r = await w.agent.handleTurn(input);
          // Scenario 8: the channel delivers every batch twice; the second must be a replay.
          if (s.id === "8") await w.agent.handleTurn(input);
          await chat.apply(
            r,
            input.newMessages.map((m) => m.id),
          );
          const reply = r.replies.map(render).join("\n") || "(no reply)";
          transcript.push({ who: "agent", text: reply });
          if (r.escalate)
            transcript.push({ who: "system", text: `escalated: ${r.escalate.reason} — ${r.escalate.summary}` });
          sim.push({ role: "user", content: reply });
        }
        await s.after?.(w, chat, ctx);
        failures = await s.check(w, chat, ctx);
      } catch (e) {
        failures = [`trial crashed: ${e instanceof Error ? e.message : String(e)}`];
      } finally {
        await w.drop().catch(() => {});
      }
      const pass = failures.length === 0;
      results.push({ scenario: s.id, trial, pass, failures });
      await writeFile(
        join(runDir, `${s.id.padStart(2, "0")}-trial${trial}.json`),
        JSON.stringify({ scenario: s.id, title: s.title, trial, pass, failures, transcript }, null, 2),
      );
      console.log(`${pass ? "PASS" : "FAIL"} ${s.id} ${s.title} #${trial}${pass ? "" : `: ${failures.join("; ")}`}`);
    }
  }
} finally {
  await pg.stop();
}

const perScenario = chosen.map((s) => {
  const rs = results.filter((r) => r.scenario === s.id);
  const c = rs.filter((r) => r.pass).length;
  return { id: s.id, n: rs.length, c, passK: passHatK(rs.length, c, k) };
});
const pass1 = results.filter((r) => r.pass).length / Math.max(1, results.length);
const passK = perScenario.reduce((a, x) => a + x.passK, 0) / Math.max(1, perScenario.length);
const summary = {
  model: config.ANTHROPIC_MODEL,
  customerModel,
  k,
  pass1,
  passK,
  thresholds: { pass1: Number(args["min-pass1"]), passK: Number(args["min-passk"]) },
  perScenario,
};
await writeFile(join(runDir, "summary.json"), JSON.stringify(summary, null, 2));
console.log(`\npass^1 = ${pass1.toFixed(3)}   pass^${k} = ${passK.toFixed(3)}   (transcripts: ${runDir})`);
for (const x of perScenario) console.log(`  ${x.id.padStart(2)}: ${x.c}/${x.n}`);
const ok = pass1 >= summary.thresholds.pass1 && passK >= summary.thresholds.passK;
if (!ok)
  console.log(`below the thresholds (pass^1 ≥ ${summary.thresholds.pass1}, pass^k ≥ ${summary.thresholds.passK})`);
process.exit(ok ? 0 : 1);
