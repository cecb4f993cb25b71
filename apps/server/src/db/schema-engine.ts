// Prisma's schema engine compiled to WebAssembly, driven through the pg driver adapter.
// This is what lets Cita migrate with no network and no native engine binary
// (instantiated by hand exactly as @prisma/internals does).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as runtime from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

type Engine = Awaited<ReturnType<typeof runtime.SchemaEngine.new>>;
let initialised = false;

export const SCHEMA_PATH = fileURLToPath(new URL("../../../../prisma/schema.prisma", import.meta.url));

/** The WASM build reports Rust panics through this global; we surface them as the error text. */
let lastPanic: string | undefined;
function initWasm(): void {
  if (initialised) return;
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message: (message: string) => {
      lastPanic = message;
      if (process.env.CITA_DEBUG_WASM) console.error("[schema-engine panic]", message);
    },
  };
  const require = createRequire(import.meta.url);
  // The package's exports map hides the .wasm file; it sits next to the bindings.
  const wasmPath = join(
    dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
    "schema_engine_bg.wasm",
  );
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": runtime as never });
  runtime.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  initialised = true;
}

export interface SchemaEngineHandle {
  engine: Engine;
  /** Engine log lines (JSON strings); kept for error messages. */
  logs: string[];
  /** Frees the engine and closes its connections (a template database must have none left). */
  close(): Promise<void>;
}

/** Opens the WASM schema engine on a database given as a pg PoolConfig (host/port/user/database). */
export async function openSchemaEngine(
  config: pg.PoolConfig,
  datamodels?: [string, string][],
): Promise<SchemaEngineHandle> {
  initWasm();
  const logs: string[] = [];
  const pool = charTolerantPool(config);
  const adapter = bindMigrationAwareSqlAdapterFactory(charAwareFactory(new PrismaPg(pool)) as never);
  // The engine validates its initial datamodels and panics on an empty list: default to ours.
  const models = datamodels ?? [[SCHEMA_PATH, readFileSync(SCHEMA_PATH, "utf8")]];
  const engine = await runtime.SchemaEngine.new({ datamodels: models }, (line: string) => logs.push(line), adapter);
  return {
    engine,
    logs,
    async close() {
      engine.free();
      await pool.end();
    },
  };
}

export function takeLastPanic(): string | undefined {
  const p = lastPanic;
  lastPanic = undefined;
  return p;
}

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/** Result rows (by identity) → indexes of columns that were `"char"` before relabelling. */
const charColumns = new WeakMap<object, number[]>();
const CHARACTER_COLUMN_TYPE = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

/**
 * Introspection reads catalog columns of PostgreSQL's one-byte `"char"` type (pg_constraint.contype…),
 * which the pg driver adapter rejects as an unsupported native type. Its text value is exactly right,
 * so we relabel those result columns as text before the adapter sees them.
 */
function relabelChar(r: pg.QueryResult): pg.QueryResult {
  const relabelled: number[] = [];
  (r?.fields ?? []).forEach((f, i) => {
    if (f.dataTypeID !== PG_CHAR_OID) return;
    f.dataTypeID = PG_TEXT_OID;
    relabelled.push(i);
  });
  if (relabelled.length && r.rows) charColumns.set(r.rows, relabelled);
  return r;
}

function charTolerantPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      // pool.query() calls us with a callback; the adapter's own clients use promises.
      const last = args.at(-1);
      if (typeof last === "function") {
        args[args.length - 1] = (err: unknown, r: pg.QueryResult) => last(err, err ? r : relabelChar(r));
        return query(...args);
      }
      const result = query(...args);
      return result && typeof (result as Promise<unknown>).then === "function"
        ? (result as Promise<pg.QueryResult>).then(relabelChar)
        : result;
    };
  });
  return pool;
}

type Queryable = { queryRaw: (q: unknown) => Promise<{ columnTypes: number[]; rows: object }> };

/** …and then tell the engine those columns are single characters, which is what it deserializes them as. */
function patchQueryable<T extends Queryable>(q: T): T {
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (query: unknown) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = CHARACTER_COLUMN_TYPE;
    return result;
  };
  const startTransaction = (q as { startTransaction?: (...a: unknown[]) => Promise<Queryable> }).startTransaction;
  if (startTransaction) {
    (q as unknown as { startTransaction: unknown }).startTransaction = async (...a: unknown[]) =>
      patchQueryable(await startTransaction.apply(q, a));
  }
  return q;
}

type ScriptRunner = {
  client?: { query: (sql: string) => Promise<unknown> };
  executeScript?: (script: string) => Promise<void>;
  onError: (error: unknown) => never;
};

/**
 * The pg adapter runs a migration script by splitting it on every ";" — which cuts a DO block or a
 * function body apart, and runs the pieces as separate transactions. The native engine sends the
 * script as one simple query: PostgreSQL then runs it as one implicit transaction, so a migration
 * applies entirely or not at all. Do the same.
 */
function wholeScripts<T>(adapter: T): T {
  const a = adapter as unknown as ScriptRunner;
  if (!a.executeScript || !a.client) return adapter;
  const client = a.client;
  a.executeScript = async (script: string) => {
    try {
      await client.query(script);
    } catch (error) {
      a.onError(error);
    }
  };
  return adapter;
}

function charAwareFactory(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  const connectToShadowDb = factory.connectToShadowDb.bind(factory);
  factory.connect = async () => wholeScripts(patchQueryable((await connect()) as never));
  factory.connectToShadowDb = async () => wholeScripts(patchQueryable((await connectToShadowDb()) as never));
  return factory;
}
