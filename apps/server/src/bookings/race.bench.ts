// A morning rush on one freed time: 100 console clients (an ordinary @trpc/client over HTTP, each
// with a real signed-in session) book the same slot at once. Exactly one wins; every loser gets
// SLOT_TAKEN with alternatives. Baseline: the same 100 clients' no-op query through the same server
// at the same moment, so the figure is what booking adds to the HTTP and tRPC round trip.
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { Benchmark } from "../../../../bench/lib.ts";
import { summarize } from "../../../../bench/lib.ts";
import { issueSession } from "../auth/sessions.ts";
import { loadConfig } from "../config/env.ts";
import { createFieldCrypto } from "../crypto/field-crypto.ts";
import { createDb } from "../db/client.ts";
import { withDatabase } from "../db/url.ts";
import { buildServer } from "../http/server.ts";
import { createLogger } from "../logger.ts";
import type { AppServices } from "../services.ts";
import { createSalonFixture } from "../testing/fixtures.ts";
import { buildTemplate, startTestPostgres, TEMPLATE_DB } from "../testing/global-setup.ts";
import { localToUtc } from "../time/zoned.ts";
import type { AppRouter } from "../trpc/router.ts";

const RACERS = 100;
const ROUNDS = 5;

export const benchmarks: Benchmark[] = [
  {
    name: "booking race",
    async run() {
      const pg = await startTestPostgres();
      await buildTemplate(pg.serverUrl);
      const admin = createDb(withDatabase(pg.serverUrl, "postgres"), { max: 1 });
      await admin.$executeRawUnsafe(`CREATE DATABASE cita_bench_race TEMPLATE ${TEMPLATE_DB}`);
      await admin.$disconnect();
      const db = createDb(withDatabase(pg.serverUrl, "cita_bench_race"));
      const fc = createFieldCrypto(Buffer.alloc(32, 5));
      const clock = () => new Date("2026-03-01T08:00:00Z");
      const services: AppServices = {
        config: loadConfig({ CITA_ENV: "development" }),
        db,
        fc,
        log: createLogger("silent"),
        clock,
        authSecret: "bench-secret-bench-secret-bench-secret",
      };
      const app = await buildServer(services);
      await app.listen({ port: 0, host: "127.0.0.1" });
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/trpc`;
      try {
        const f = await createSalonFixture(db, fc, { extraStylists: 18, customers: RACERS });
        const desk = await db.staffMember.findUniqueOrThrow({ where: { id: f.deskId } });
        const clients = await Promise.all(
          Array.from({ length: RACERS }, async () => {
            const { accessToken } = await issueSession(
              db,
              services,
              clock(),
              { ...desk, role: desk.role },
              { ip: "127.0.0.1", userAgent: "bench" },
            );
            return createTRPCClient<AppRouter>({
              links: [httpLink({ url, headers: { authorization: `Bearer ${accessToken}` } })],
            });
          }),
        );
        const race: number[] = [];
        const ping: number[] = [];
        let winners = 0;
        let losersWithAlternatives = 0;
        // CITA_RACE_PROFILE=<file>: a CPU profile of the counted rounds alone (not the set-up);
        // with CITA_RACE_PROFILE_NO_PING=1 the baseline's pings are skipped, so it shows bookings only.
        const profileTo = process.env.CITA_RACE_PROFILE;
        const skipPings = Boolean(profileTo && process.env.CITA_RACE_PROFILE_NO_PING);
        const profiler = profileTo ? new Session() : null;
        for (let round = -1; round < ROUNDS; round++) {
          if (round === 0 && profiler) {
            profiler.connect();
            await profiler.post("Profiler.enable");
            await profiler.post("Profiler.start");
          }
          // Round -1 warms up the server and the pool; it is not counted.
          const startsAt = localToUtc("2026-03-10", 600 + (round + 1) * 45, "Europe/Madrid").toISOString();
          const pings = await Promise.all(
            (skipPings ? [] : clients).map(async (c) => {
              const t0 = performance.now();
              await c.system.ping.query();
              return performance.now() - t0;
            }),
          );
          const results = await Promise.all(
            clients.map(async (c, i) => {
              const t0 = performance.now();
              try {
                await c.bookings.create.mutate({
                  customerId: f.customers[i]!,
                  startsAt,
                  items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
                });
                return { ms: performance.now() - t0, won: true, alternatives: 0 };
              } catch (e) {
                if (!(e instanceof TRPCClientError) || e.data?.appCode !== "SLOT_TAKEN") throw e;
                const alternatives = (e.data?.details?.alternatives as unknown[] | undefined)?.length ?? 0;
                return { ms: performance.now() - t0, won: false, alternatives };
              }
            }),
          );
          if (round < 0) continue;
          ping.push(...pings);
          race.push(...results.map((r) => r.ms));
          const won = results.filter((r) => r.won).length;
          if (won !== 1) throw new Error(`round ${round}: ${won} winners`);
          winners += won;
          losersWithAlternatives += results.filter((r) => !r.won && r.alternatives >= 2).length;
        }
        if (profiler && profileTo) {
          const { profile } = await profiler.post("Profiler.stop");
          await writeFile(profileTo, JSON.stringify(profile));
          profiler.disconnect();
        }
        if (losersWithAlternatives !== ROUNDS * (RACERS - 1)) {
          throw new Error(`${ROUNDS * (RACERS - 1) - losersWithAlternatives} losers without alternatives`);
        }
        const r = summarize(race);
        const p = summarize(ping);
        return [
          {
            name: `${RACERS}-way race for one slot, p50 (${ROUNDS} rounds, ${winners} winners)`,
            value: r.p50,
            unit: "ms",
            baseline: { name: `${RACERS} no-op queries at once, p50`, value: p.p50 },
          },
          {
            name: `${RACERS}-way race for one slot, p99 (every loser with alternatives)`,
            value: r.p99,
            unit: "ms",
            baseline: { name: `${RACERS} no-op queries at once, p99`, value: p.p99 },
            target: { max: 300 },
          },
        ];
      } finally {
        await app.close();
        await db.$disconnect();
        await pg.stop();
      }
    },
  },
];
