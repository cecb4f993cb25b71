// Customer name search decrypts every live customer's name in the server (SQL cannot search
// AES-GCM ciphertexts). This measures what that costs at 5,000 customers, against a baseline of
// loading the same rows without decrypting them, plus the indexed phone lookup for comparison.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Benchmark } from "../../../../bench/lib.ts";
import { summarize } from "../../../../bench/lib.ts";
import type { Scope } from "../audit/scope.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb } from "../db/client.ts";
import { withDatabase } from "../db/url.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../testing/global-setup.ts";
import { searchCustomers } from "./customers.ts";

const CUSTOMERS = 5_000;
const RUNS = 40;

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
];
const LAST = ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Muñoz", "Álvarez", "Díaz"];

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

export const benchmarks: Benchmark[] = [
  {
    name: "customer name search (decrypt in server)",
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
        const rows = Array.from({ length: CUSTOMERS }, (_, i) => {
          const phone = `+34600${String(i).padStart(6, "0")}`;
          const full = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`;
          return { phoneCipher: fc.encrypt(phone), phoneHash: fc.blindIndex(phone), nameCipher: fc.encrypt(full) };
        });
        for (let i = 0; i < rows.length; i += 1000) await db.customer.createMany({ data: rows.slice(i, i + 1000) });
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
        const where = { erasedAt: null, mergedIntoId: null, nameCipher: { not: null } } as const;
        const baseline = () => db!.customer.findMany({ where, select: { id: true, nameCipher: true } });
        const search = () => searchCustomers(scope, { query: "munoz", limit: 50 });
        const phone = () => searchCustomers(scope, { query: "600 004 321", limit: 50 });

        // Warm-up (JIT, pool, plan cache), and a sanity check that the search finds what it should.
        for (let i = 0; i < 5; i++) {
          await baseline();
          await search();
          await phone();
        }
        const check = await search();
        if (check.items.length !== 50 || !check.items.every((c) => c.name?.includes("Muñoz"))) {
          throw new Error("name search returned unexpected rows");
        }
        if ((await phone()).items[0]?.phone !== "+34600004321") throw new Error("phone search failed");

        const base: number[] = [];
        const named: number[] = [];
        const phoned: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          // Interleaved, so drift affects both sides alike.
          base.push((await time(baseline)).ms);
          named.push((await time(search)).ms);
          phoned.push((await time(phone)).ms);
        }
        const b = summarize(base);
        const n = summarize(named);
        const p = summarize(phoned);
        return [
          {
            name: `name search over ${CUSTOMERS} customers, p50`,
            value: n.p50,
            unit: "ms",
            baseline: { name: "load same rows, no decrypt", value: b.p50 },
            target: { max: 250 },
            note: "a console search under a quarter of a second is fine for a front desk",
          },
          {
            name: `name search over ${CUSTOMERS} customers, p95`,
            value: n.p95,
            unit: "ms",
            baseline: { name: "load same rows, no decrypt", value: b.p95 },
          },
          {
            name: "phone search (blind index), p50",
            value: p.p50,
            unit: "ms",
            baseline: { name: "load same rows, no decrypt", value: b.p50 },
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
