// Customer name search at 100,000 customers. Names are AES-GCM ciphertexts; the keyed blind index
// of name fragments (name-index.ts) narrows a search down to candidates and only those are
// decrypted. Baseline, in the same run on the same rows: what search did before the index —
// decrypt every live customer's name and filter in memory (still the path of one-character queries).
// Also the indexed phone lookup, for comparison.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Benchmark } from "../../../../bench/lib.ts";
import { summarize } from "../../../../bench/lib.ts";
import type { Scope } from "../audit/scope.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb } from "../db/client.ts";
import { withDatabase } from "../db/url.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../testing/global-setup.ts";
import { foldName, searchCustomers } from "./customers.ts";
import { backfillNameTokens, NAME_TOKEN_BITS, nameCandidates, nameTokens } from "./name-index.ts";

const CUSTOMERS = 100_000;
const RUNS = 40;
const BASELINE_RUNS = 8;

const FIRST = [
  "María",
  "Lucía",
  "José",
  "Álvaro",
  "Inés",
  "Sofía",
  "Martín",
  "Nuria",
  "Ramón",
  "Elena",
  "Íñigo",
  "Paula",
  "Carmen",
  "Antonio",
  "Manuel",
  "Isabel",
  "Javier",
  "Cristina",
  "Francisco",
  "Laura",
  "David",
  "Marta",
  "Daniel",
  "Ana",
  "Pablo",
  "Raquel",
  "Sergio",
  "Pilar",
  "Jorge",
  "Rocío",
  "Alejandro",
  "Beatriz",
  "María José",
  "Juan Carlos",
  "Ana Belén",
  "Begoña",
  "Adrián",
  "Noelia",
  "Rubén",
  "Ainhoa",
];
// Roughly by frequency in Spain; drawn with weight 1/(rank + 15), so García is ~3 % of surnames.
const LAST = [
  "García",
  "Rodríguez",
  "González",
  "Fernández",
  "López",
  "Martínez",
  "Sánchez",
  "Pérez",
  "Gómez",
  "Martín",
  "Jiménez",
  "Ruiz",
  "Hernández",
  "Díaz",
  "Moreno",
  "Muñoz",
  "Álvarez",
  "Romero",
  "Alonso",
  "Gutiérrez",
  "Navarro",
  "Torres",
  "Domínguez",
  "Vázquez",
  "Ramos",
  "Gil",
  "Ramírez",
  "Serrano",
  "Blanco",
  "Molina",
  "Morales",
  "Suárez",
  "Ortega",
  "Delgado",
  "Castro",
  "Ortiz",
  "Rubio",
  "Marín",
  "Sanz",
  "Núñez",
  "Iglesias",
  "Medina",
  "Garrido",
  "Cortés",
  "Castillo",
  "Santos",
  "Lozano",
  "Guerrero",
  "Cano",
  "Prieto",
  "Méndez",
  "Cruz",
  "Calvo",
  "Gallego",
  "Vidal",
  "León",
  "Márquez",
  "Herrera",
  "Peña",
  "Flores",
  "Cabrera",
  "Campos",
  "Vega",
  "Fuentes",
  "Carrasco",
  "Diez",
  "Caballero",
  "Reyes",
  "Nieto",
  "Aguilar",
  "Pascual",
  "Santana",
  "Herrero",
  "Lorenzo",
  "Montero",
  "Hidalgo",
  "Giménez",
  "Ibáñez",
  "Ferrer",
  "Durán",
  "Santiago",
  "Benítez",
  "Mora",
  "Vicente",
  "Vargas",
  "Arias",
  "Carmona",
  "Crespo",
  "Román",
  "Pastor",
  "Soto",
  "Sáez",
  "Velasco",
  "Moya",
  "Soler",
  "Parra",
  "Esteban",
  "Bravo",
  "Gallardo",
  "Rojas",
  "de la Fuente",
  "Pérez-Reverte",
  "Olaizola",
  "Etxeberria",
  "Goikoetxea",
];

/** Deterministic, so every run searches the same 100,000 names. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function weighted<T>(items: T[], weight: (rank: number) => number, rnd: () => number): () => T {
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += weight(i + 1);
    cum.push(total);
  }
  return () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return items[lo]!;
  };
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** Query shapes a front desk types, and how many customers each matches in this data set. */
const QUERIES = [
  { label: "common surname", query: "garcía" },
  { label: "first name + surname", query: "lucia moreno" },
  { label: "surname prefix", query: "gutier" },
  { label: "two letters", query: "ñi" },
];

export const benchmarks: Benchmark[] = [
  {
    name: "customer name search (blind index)",
    async run() {
      const server = await startTestPostgres();
      const name = `cita_bench_${randomBytes(4).toString("hex")}`;
      const admin = new pg.Client({ connectionString: server.serverUrl });
      let db: ReturnType<typeof createDb> | undefined;
      try {
        await buildTemplate(server.serverUrl);
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
        db = createDb(withDatabase(server.serverUrl, name), { max: 4 });
        const fc = createFieldCrypto(randomBytes(32));
        const rnd = prng(18);
        const first = weighted(FIRST, () => 1, rnd);
        const last = weighted(LAST, (rank) => 1 / (rank + 15), rnd);
        const setup = performance.now();
        // Rows straight in, in batches of 5,000 (what createCustomer writes, without the audit).
        const raw = new pg.Client({ connectionString: withDatabase(server.serverUrl, name) });
        await raw.connect();
        try {
          for (let i = 0; i < CUSTOMERS; i += 5000) {
            const rows = Array.from({ length: Math.min(5000, CUSTOMERS - i) }, (_, j) => {
              const phone = `+34600${String(i + j).padStart(6, "0")}`;
              return { phone, full: `${first()} ${last()} ${last()}` };
            });
            await raw.query(
              `INSERT INTO customer (id, phone_cipher, phone_hash, name_cipher, name_tokens, updated_at)
               SELECT gen_random_uuid(), pc, ph, nc, nt::int[], now()
                 FROM unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::text[]) AS x(pc, ph, nc, nt)`,
              [
                rows.map((r) => Buffer.from(fc.encrypt(r.phone))),
                rows.map((r) => Buffer.from(fc.blindIndex(r.phone))),
                rows.map((r) => Buffer.from(fc.encrypt(r.full))),
                rows.map((r) => `{${nameTokens(fc, r.full).join(",")}}`),
              ],
            );
          }
          await raw.query("VACUUM ANALYZE customer");
        } finally {
          await raw.end();
        }
        const setupSeconds = (performance.now() - setup) / 1000;

        const location = await db.location.create({
          data: {
            slug: "bench",
            name: "Bench",
            addressLine: "-",
            city: "-",
            postalCode: "-",
            country: "ES",
            timeZone: "Europe/Madrid",
          },
        });
        const scope: Scope = {
          db,
          fc,
          clock: () => new Date(),
          actor: { type: "system" },
          role: "owner",
          locationId: location.id,
        };
        // The baseline: the search before the index (decrypt everyone, filter, sort).
        const where = { erasedAt: null, mergedIntoId: null, nameCipher: { not: null } } as const;
        const fullScan = async (query: string) => {
          const needle = foldName(query);
          const rows = await db!.customer.findMany({ where, select: { id: true, nameCipher: true } });
          const hits: { id: string; folded: string }[] = [];
          for (const r of rows) {
            const folded = foldName(fc.decrypt(r.nameCipher!));
            if (folded.includes(needle)) hits.push({ id: r.id, folded });
          }
          return hits.sort((a, b) => (a.folded < b.folded ? -1 : a.folded > b.folded ? 1 : a.id < b.id ? -1 : 1));
        };
        const search = (query: string) => searchCustomers(scope, { query, limit: 50 });
        const phone = () => searchCustomers(scope, { query: "600 004 321", limit: 50 });

        // Warm-up (JIT, pool, plan cache), and a check that the index finds what the full scan finds.
        const matches: Record<string, string> = {};
        for (const q of QUERIES) {
          const expected = await fullScan(q.query);
          const candidates = (await nameCandidates(db, fc, foldName(q.query))).count;
          matches[q.label] = `${expected.length} (${candidates} decrypted)`;
          const got = await search(q.query);
          const want = expected.slice(0, 50).map((m) => m.id);
          if (JSON.stringify(got.items.map((c) => c.id)) !== JSON.stringify(want)) {
            throw new Error(`name search for "${q.query}" differs from the full scan`);
          }
          for (let i = 0; i < 4; i++) await search(q.query);
        }
        if ((await phone()).items[0]?.phone !== "+34600004321") throw new Error("phone search failed");
        // The start-up check when nothing is missing (what every restart pays).
        const startup = await time(() => backfillNameTokens(db!, fc));
        if (startup.result !== 0) throw new Error("backfill found customers without tokens");

        const named = new Map<string, number[]>(QUERIES.map((q) => [q.label, []]));
        const all: number[] = [];
        const base: number[] = [];
        const phoned: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          // Interleaved, so drift affects every side alike.
          for (const q of QUERIES) {
            const { ms } = await time(() => search(q.query));
            named.get(q.label)!.push(ms);
            all.push(ms);
          }
          if (i % (RUNS / BASELINE_RUNS) === 0) base.push((await time(() => fullScan(QUERIES[0]!.query))).ms);
          phoned.push((await time(phone)).ms);
        }
        const b = summarize(base);
        const n = summarize(all);
        const baseline = { name: "decrypt all (before the index)", value: b.p95 };
        return [
          {
            name: `name search over ${CUSTOMERS} customers, p50 (all shapes)`,
            value: n.p50,
            unit: "ms",
            baseline: { name: "decrypt all (before the index)", value: b.p50 },
          },
          {
            name: `name search over ${CUSTOMERS} customers, p95 (all shapes)`,
            value: n.p95,
            unit: "ms",
            baseline,
            target: { max: 50 },
            note: `setup ${setupSeconds.toFixed(0)} s; start-up token check with nothing missing ${startup.ms.toFixed(0)} ms; ${NAME_TOKEN_BITS}-bit tokens; customers matched: ${QUERIES.map((q) => `"${q.query}" ${matches[q.label]}`).join(", ")}`,
          },
          ...QUERIES.flatMap((q) => {
            const s = summarize(named.get(q.label)!);
            return [
              { name: `  ${q.label} "${q.query}", p50`, value: s.p50, unit: "ms" },
              { name: `  ${q.label} "${q.query}", p95`, value: s.p95, unit: "ms", baseline },
            ];
          }),
          {
            name: "phone search (blind index), p50",
            value: summarize(phoned).p50,
            unit: "ms",
          },
        ];
      } finally {
        await db?.$disconnect();
        await admin.end().catch(() => {});
        await server.stop();
      }
    },
  },
];
