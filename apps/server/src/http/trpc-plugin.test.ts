// The direct path of http/trpc-plugin.ts answers exactly as tRPC's own Fastify adapter: same status,
// content type, allow header and body, for successes, every kind of refusal, batches and the
// requests it hands over to the adapter.
import { fastifyTRPCPlugin } from "@trpc/server/adapters/fastify";
import Fastify, { type FastifyInstance, type InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSalonFixture, type SalonFixture } from "../testing/fixtures.ts";
import { accessTokenFor, testServices } from "../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import type { AppRouter } from "../trpc/router.ts";
import { trpcOptionsFor } from "./server.ts";
import { trpcPlugin } from "./trpc-plugin.ts";

let t: TestDatabase;
let salon: SalonFixture;
let direct: FastifyInstance;
let reference: FastifyInstance;
let owner: string;
let desk: string;
const failures: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  salon = await createSalonFixture(t.db, t.fc);
  const services = testServices(t);
  const options = {
    ...trpcOptionsFor(services),
    onError: (o: Parameters<NonNullable<ReturnType<typeof trpcOptionsFor>["onError"]>>[0]) =>
      failures.push(`${o.path}:${o.error.code}`),
  };
  const build = async (plugin: "direct" | "reference") => {
    const app = Fastify({ routerOptions: { maxParamLength: 5000 } });
    if (plugin === "direct") await app.register(trpcPlugin<AppRouter>, { prefix: "/trpc", trpcOptions: options });
    else await app.register(fastifyTRPCPlugin, { prefix: "/trpc", trpcOptions: options });
    return app;
  };
  direct = await build("direct");
  reference = await build("reference");
  owner = `Bearer ${accessTokenFor({ staffId: salon.ownerId, role: "owner", locationId: salon.locationId }, services)}`;
  desk = `Bearer ${accessTokenFor({ staffId: salon.deskId, role: "front_desk", locationId: salon.locationId }, services)}`;
});
afterAll(async () => {
  await direct?.close();
  await reference?.close();
  await t?.drop();
});

const q = (value: unknown) => encodeURIComponent(JSON.stringify(value));

/** Who answered on the direct instance: the direct path sends one buffer (with a length), tRPC's adapter streams. */
const answeredBy = (r: { headers: Record<string, unknown> }) =>
  r.headers["content-length"] !== undefined ? "direct" : "adapter";

async function both(req: InjectOptions, by: "direct" | "adapter" = "direct") {
  failures.length = 0;
  const a = await direct.inject(req);
  const directFailures = [...failures];
  failures.length = 0;
  const b = await reference.inject(req);
  const view = (r: typeof a) => ({
    status: r.statusCode,
    type: r.headers["content-type"],
    allow: r.headers.allow,
    vary: r.headers.vary,
    body: r.body ? JSON.parse(r.body) : r.body,
  });
  expect(view(a)).toEqual(view(b));
  expect(directFailures).toEqual(failures);
  // (Fastify itself answers some before any handler, e.g. a body without a content type: 415.)
  expect(answeredBy(a)).toBe(by === "direct" ? "direct" : answeredBy(b));
  return view(a);
}

describe("tRPC direct path", () => {
  it("answers queries, single and batched, as tRPC does", async () => {
    expect((await both({ url: "/trpc/system.ping" })).body).toEqual({ result: { data: { ok: true } } });
    await both({ url: `/trpc/system.ping?batch=1&input=${q({})}` });
    await both({ url: "/trpc/system.ping,system.ping?batch=1" });
    const list = await both({ url: "/trpc/services.list", headers: { authorization: owner } });
    expect(list.status).toBe(200);
    await both({
      url: `/trpc/services.list?input=${q({ includeArchived: true })}`,
      headers: { authorization: owner },
    });
    await both({
      url: `/trpc/services.list,services.search?batch=1&input=${q({ 1: { query: "cut" } })}`,
      headers: { authorization: desk },
    });
  });

  it("refuses as tRPC does: no sign-in, a role without the permission, bad input, mixed outcomes (207)", async () => {
    expect((await both({ url: "/trpc/services.list" })).status).toBe(401);
    expect(
      (
        await both({
          url: `/trpc/services.list?input=${q({ includeArchived: "yes" })}`,
          headers: { authorization: owner },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await both({
          url: `/trpc/services.search?input=${q({ query: "" })}`,
          headers: { authorization: owner },
        })
      ).status,
    ).toBe(400);
    expect((await both({ url: "/trpc/services.list,system.ping?batch=1" })).status).toBe(207);
    const post = { method: "POST" as const, headers: { "content-type": "application/json" } };
    expect((await both({ ...post, url: "/trpc/services.create", payload: "{}" })).status).toBe(401);
    expect(
      (
        await both({
          ...post,
          url: "/trpc/services.create",
          payload: "{}",
          headers: { ...post.headers, authorization: desk },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await both({
          ...post,
          url: "/trpc/services.create",
          payload: `{"slug":""}`,
          headers: { ...post.headers, authorization: owner },
        })
      ).status,
    ).toBe(400);
    await both({
      ...post,
      url: "/trpc/services.update,services.create?batch=1",
      payload: JSON.stringify({ 0: { serviceId: salon.services.cut, version: 999, name: "x" }, 1: { slug: "" } }),
      headers: { ...post.headers, authorization: owner },
    });
    await both({
      ...post,
      url: "/trpc/services.create",
      payload: "",
      headers: { ...post.headers, authorization: owner },
    });
    await both({
      ...post,
      url: "/trpc/services.create",
      payload: "{}",
      headers: { "content-type": "Application/JSON; charset=utf-8", authorization: owner },
    });
  });

  it("leaves everything else to tRPC's adapter, with the same answers", async () => {
    const cases: InjectOptions[] = [
      { url: "/trpc/nothing.here" },
      { url: "/trpc/constructor" },
      { url: "/trpc/__proto__" },
      { url: "/trpc/system.ping,nothing.here?batch=1" },
      { url: "/trpc/services.create", headers: { authorization: owner } },
      { url: "/trpc/system.ping,services.create?batch=1", headers: { authorization: owner } },
      { method: "POST", url: "/trpc/system.ping", headers: { "content-type": "application/json" }, payload: "{}" },
      { url: "/trpc/system.ping?input=%7Bnot-json" },
      { url: `/trpc/system.ping,system.ping?batch=1&input=${q([1, 2])}` },
      { url: "/trpc/system%2Eping" },
      { url: "/trpc/system.ping", headers: { "content-type": "multipart/form-data; boundary=x" } },
      { method: "POST", url: "/trpc/services.create", headers: { "content-type": "text/plain" }, payload: "{}" },
      { method: "POST", url: "/trpc/services.create", payload: "{}" },
      { method: "PUT", url: "/trpc/services.create", headers: { "content-type": "application/json" }, payload: "{}" },
    ];
    for (const c of cases) await both(c, c.url === "/trpc/system%2Eping" ? "direct" : "adapter");
    // Streamed batches (httpBatchStreamLink) keep tRPC's streaming answer.
    const streamed = await direct.inject({
      url: "/trpc/system.ping?batch=1",
      headers: { "trpc-accept": "application/jsonl" },
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.body).toContain('"ok":true');
    expect((await direct.inject({ method: "HEAD", url: "/trpc/system.ping" })).statusCode).toBe(204);
  });
});
