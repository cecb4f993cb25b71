// tRPC on Fastify, with a direct path for the calls the console makes all day: plain JSON queries
// (GET) and mutations (POST), single or batched (httpBatchLink). tRPC's own adapter turns every
// request into a Fetch API Request (a URL, a Headers copy, an AbortSignal.any, a body stream) and its
// answer into a Response streamed back through Fastify: most of a small call's CPU (issue #18). The
// direct path runs the same procedures (every input still validated by its `.input()`, every
// permission checked by its middleware) with tRPC's own error shapes, status codes and onError, and
// answers with one JSON string.
//
// Everything else goes to tRPC's adapter unchanged: subscriptions (SSE), streamed batches
// (trpc-accept: application/jsonl), other content types, connection params, and every request the
// direct path would have to refuse (unknown procedure, wrong method, mixed batch, unreadable input),
// so those keep tRPC's exact answers. Only requests that are valid up to the procedure call are
// taken here, and the decision is made before anything runs.
import type { AnyTRPCRouter } from "@trpc/server";
import { type FastifyTRPCPluginOptions, fastifyRequestHandler } from "@trpc/server/adapters/fastify";
import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError,
  urlPathToProcedurePath,
} from "@trpc/server/unstable-core-do-not-import";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { invokeProcedure } from "./trpc-invoke.ts";

type TrpcOptions<R extends AnyTRPCRouter> = FastifyTRPCPluginOptions<R>["trpcOptions"];
type AnyProcedure = import("@trpc/server/unstable-core-do-not-import").AnyProcedure;
type CallResult = { error: TRPCError; data?: undefined } | { error?: undefined; data: unknown };

/** tRPC's isDataStream: promises or async iterables need the streaming links. */
function isDataStream(v: unknown): boolean {
  if (!isObject(v)) return false;
  if (isAsyncIterable(v)) return true;
  const values = Object.values(v);
  return values.some(isPromise) || values.some(isAsyncIterable);
}

/** The media type of a Content-Type header, as tRPC compares it. */
function mediaType(header: string | undefined): string | undefined {
  return header?.toLowerCase().split(";", 1)[0]?.trim();
}

/**
 * The calls of a request the direct path can answer exactly as tRPC would, or null (tRPC's adapter
 * answers). Nothing has run yet when this returns.
 */
async function plainCalls(router: AnyTRPCRouter, req: FastifyRequest, rawPath: string) {
  const method = req.method;
  if (method !== "GET" && method !== "POST") return null;
  const h = req.headers;
  if (h["trpc-accept"] !== undefined || h.accept?.includes("jsonl")) return null;
  const contentType = mediaType(h["content-type"]);
  if (
    method === "GET"
      ? contentType !== undefined && contentType !== "application/json"
      : contentType !== "application/json"
  )
    return null;
  const url = req.raw.url ?? "";
  if (url.includes("#") || rawPath.includes("%")) return null;
  const q = url.indexOf("?");
  const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  if (params.has("connectionParams")) return null;
  const config = router._def._config;
  const isBatchCall = params.get("batch") === "1";
  const paths = isBatchCall ? rawPath.split(",") : [rawPath];

  let inputs: unknown;
  const raw = method === "GET" ? params.get("input") : req.body;
  if (raw !== undefined && raw !== null && typeof raw !== "string") return null;
  if (raw) {
    try {
      inputs = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  const rawInputs: unknown[] = [];
  if (inputs !== undefined) {
    if (!isBatchCall) rawInputs[0] = config.transformer.input.deserialize(inputs);
    else if (!isObject(inputs)) return null;
    else
      for (let i = 0; i < paths.length; i++) {
        const input = inputs[i];
        if (input !== undefined) rawInputs[i] = config.transformer.input.deserialize(input);
      }
  }

  const type: "query" | "mutation" = method === "GET" ? "query" : "mutation";
  const procedures: AnyProcedure[] = [];
  for (const path of paths) {
    const at = urlPathToProcedurePath(path, config.pathSeparator);
    // Own procedures are found at once; getProcedureAtPath also loads lazy routers.
    const procedure = (
      Object.hasOwn(router._def.procedures, at) ? router._def.procedures[at] : await getProcedureAtPath(router, at)
    ) as AnyProcedure | null | undefined;
    if (typeof procedure !== "function" || procedure._def?.type !== type) return null;
    procedures.push(procedure);
  }
  return { isBatchCall, paths, procedures, rawInputs, type, params };
}

async function answerDirectly<R extends AnyTRPCRouter>(
  opts: TrpcOptions<R>,
  req: FastifyRequest,
  reply: FastifyReply,
  plain: NonNullable<Awaited<ReturnType<typeof plainCalls>>>,
  headers: readonly string[],
): Promise<void> {
  const { router } = opts;
  const config = router._def._config;
  const { isBatchCall, paths, procedures, rawInputs, type } = plain;
  const info = {
    isBatchCall,
    accept: null,
    calls: paths.map((path, batchIndex) => ({ path, batchIndex, procedure: procedures[batchIndex] })),
    type,
    connectionParams: null,
    signal: undefined,
    url: null,
  };
  let ctx: unknown;
  let ctxError: TRPCError | undefined;
  try {
    ctx = await opts.createContext?.({ req, res: reply, info } as never);
  } catch (cause) {
    ctxError = getTRPCErrorFromUnknown(cause);
  }
  // As tRPC's call.result(): the input counts as given once the procedure has read it.
  const read: boolean[] = [];
  const inputOf = (i: number) => (read[i] ? rawInputs[i] : undefined);

  const results = await Promise.all(
    procedures.map(async (procedure, i): Promise<CallResult> => {
      const path = paths[i]!;
      try {
        if (ctxError) throw ctxError;
        const data = await invokeProcedure(procedure, {
          path,
          getRawInput: async () => {
            read[i] = true;
            return rawInputs[i];
          },
          ctx,
          type,
          // No abort signal: queries and mutations run to the end, as through a server-side caller
          // (tRPC's createCaller passes none either); only subscriptions (tRPC's adapter) use one.
          signal: undefined,
          batchIndex: i,
        });
        return { data };
      } catch (cause) {
        const error = getTRPCErrorFromUnknown(cause);
        opts.onError?.({ error, path, input: inputOf(i), ctx, type, req } as never);
        return { error };
      }
    }),
  );

  const shaped = results.map((r, i) => {
    let error = r.error;
    if (!error && isDataStream(r.data)) {
      error = new TRPCError({
        code: "UNSUPPORTED_MEDIA_TYPE",
        message: "Cannot use stream-like response in non-streaming request - use httpBatchStreamLink",
      });
    }
    return error
      ? {
          error,
          json: {
            error: getErrorShape({ config, ctx, error, input: inputOf(i), path: paths[i], type }),
          },
        }
      : { error: undefined, json: { result: { data: r.data } } };
  });
  const untransformed = shaped.map((s) => s.json);
  const status = getHTTPStatusCode(
    untransformed,
    shaped.map((s) => s.error),
  );
  // As transformTRPCResponse, with plain literals (its object-spread helper was a tenth of a call).
  const serialize = config.transformer.output.serialize;
  const items = shaped.map((s) =>
    s.error ? { error: serialize(s.json.error) } : { result: { data: serialize(s.json.result?.data) } },
  );
  const body = JSON.stringify(isBatchCall ? items : items[0]);
  // Written straight to the socket's response, as tRPC's adapter answers: Fastify's send would parse
  // the content type, add "; charset=utf-8" to it and run onSend hooks (none on /trpc). Hijacked,
  // the onResponse hooks (request log, metrics) still run when the response finishes.
  reply.hijack();
  // A flat list of name, value: Node writes it as is, without a header map to fill and read back.
  reply.raw.writeHead(status, [
    "content-type",
    "application/json",
    "content-length",
    String(Buffer.byteLength(body)),
    "vary",
    "trpc-accept, accept",
    "x-request-id",
    req.id,
    ...headers,
  ]);
  reply.raw.end(body);
}

/** The request id and the server's security headers, set one by one (every answer but the direct path's). */
function setOwnHeaders(req: FastifyRequest, reply: FastifyReply, headers: readonly string[]): void {
  const raw = reply.raw;
  if (raw.headersSent || raw.hasHeader("x-request-id")) return;
  raw.setHeader("x-request-id", req.id);
  for (let i = 0; i < headers.length; i += 2) raw.setHeader(headers[i]!, headers[i + 1]!);
}

/**
 * Registers tRPC under the plugin's prefix, as fastifyTRPCPlugin does (without WebSockets). The
 * route sets the request id and `securityHeaders` (a flat list of name, value) itself, in place of
 * the server's onRequest hook (its config says `ownHeaders`): the direct path writes them with its
 * one writeHead; tRPC's adapter gets them on the raw response first; an answer Fastify gives before
 * the handler runs (a body too large, an unreadable one) gets them in onSend.
 */
export function trpcPlugin<R extends AnyTRPCRouter>(
  fastify: FastifyInstance,
  opts: { trpcOptions: TrpcOptions<R>; securityHeaders?: readonly string[] },
  done: (err?: Error) => void,
) {
  const headers = opts.securityHeaders ?? [];
  // As fastifyTRPCPlugin: tRPC reads JSON and multipart bodies itself.
  fastify.removeContentTypeParser("application/json");
  fastify.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, next) => next(null, body));
  fastify.removeContentTypeParser("multipart/form-data");
  fastify.addContentTypeParser("multipart/form-data", {}, (_req, body, next) => next(null, body));
  const routeOptions = {
    config: { ownHeaders: true },
    onSend: (req: FastifyRequest, reply: FastifyReply, payload: unknown, next: (e: null, p: unknown) => void) => {
      setOwnHeaders(req, reply, headers);
      next(null, payload);
    },
  };
  fastify.all<{ Params: { path: string } }>("/:path", routeOptions, async (req, reply) => {
    const { trpcOptions } = opts;
    const plain = await plainCalls(trpcOptions.router, req, req.params.path);
    if (plain) return answerDirectly(trpcOptions, req, reply, plain, headers);
    setOwnHeaders(req, reply, headers);
    await fastifyRequestHandler({
      ...trpcOptions,
      req,
      res: reply,
      path: req.params.path,
    } as Parameters<typeof fastifyRequestHandler<R, FastifyRequest, FastifyReply>>[0]);
  });
  done();
}
