import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { lazySchemaCompilers } from "./lazy-schema-compilers.ts";

describe("lazy schema compilers", () => {
  it("validate and serialize a route's schema as Fastify's defaults do", async () => {
    const app = Fastify({ schemaController: { compilersFactory: lazySchemaCompilers as never } });
    app.post(
      "/echo",
      {
        schema: {
          body: {
            type: "object",
            required: ["n"],
            properties: { n: { type: "integer", minimum: 1 } },
          },
          response: { 200: { type: "object", properties: { n: { type: "integer" } } } },
        },
      },
      async (req) => ({ n: (req.body as { n: number }).n, secret: "not in the schema" }),
    );
    const ok = await app.inject({ method: "POST", url: "/echo", payload: { n: 3 } });
    expect(ok.statusCode).toBe(200);
    // The response schema's serializer drops what it does not name.
    expect(ok.json()).toEqual({ n: 3 });
    const bad = await app.inject({ method: "POST", url: "/echo", payload: { n: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/body\/n must be >= 1/);
    await app.close();
  });
});
