// Migration SQL from the schema engine, with no native binary: `empty → schema` for the first
// migration, `database built from migrations → schema` for each later one.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { openSchemaEngine, SCHEMA_PATH, takeLastPanic } from "./schema-engine.ts";
import { poolConfigFromUrl } from "./url.ts";

export type DiffSource = { kind: "empty" } | { kind: "database"; url: string };

const NO_FILTERS = { externalTables: [], externalEnums: [] };

/** SQL that takes `from` to what schema.prisma describes ("" when nothing differs). */
export async function diffToSchema(from: DiffSource, connectUrl: string, schemaPath = SCHEMA_PATH): Promise<string> {
  const schema = readFileSync(schemaPath, "utf8");
  const files = [{ path: schemaPath, content: schema }];
  const { engine, logs, close } = await openSchemaEngine(
    poolConfigFromUrl(from.kind === "database" ? from.url : connectUrl),
    [[schemaPath, schema]],
  );
  try {
    const r = await engine.diff({
      // "schemaDatasource" introspects the database the engine's adapter is connected to.
      from:
        from.kind === "empty" ? { tag: "empty" } : { tag: "schemaDatasource", files, configDir: dirname(schemaPath) },
      to: { tag: "schemaDatamodel", files },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = (r.stdout ?? "").trim();
    return sql === "-- This is an empty migration." ? "" : sql;
  } catch (e) {
    throw new Error(
      `schema diff failed: ${takeLastPanic() ?? (e instanceof Error ? e.message : String(e))} ${logs.slice(-3).join(" ")}`,
    );
  } finally {
    await close();
  }
}
