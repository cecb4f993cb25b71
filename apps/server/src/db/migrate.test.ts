import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing/test-db.ts";
import { diffToSchema } from "./diff.ts";
import { applyMigrations, listMigrations, migrationsUpToDate } from "./migrate.ts";

// Built by hand from an empty database (not from the template), to exercise the real path.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ template: null });
});
afterAll(() => t.drop());

async function query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("offline migrations (WASM schema engine)", () => {
  it("applies every migration, recording them as `prisma migrate deploy` does", async () => {
    const onDisk = (await listMigrations()).migrationDirectories.map((m) => m.path);
    expect(await applyMigrations(t.url)).toEqual(onDisk);
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      "SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name",
    );
    expect(rows.map((r) => r.migration_name)).toEqual(onDisk);
    for (const r of rows) {
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/); // sha256 of migration.sql, as the CLI writes it
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.applied_steps_count).toBe(1);
    }
  });

  it("is a no-op when re-run", async () => {
    expect(await applyMigrations(t.url)).toEqual([]);
  });

  it("skips the engine only when the recorded migrations are exactly the files on disk", async () => {
    const list = await listMigrations();
    expect(await migrationsUpToDate(t.url, list)).toBe(true);
    const [first, ...rest] = list.migrationDirectories;
    const edited = { tag: "ok" as const, value: `${first!.migrationFile.content.value}\n-- edited` };
    const added = { path: "29991231000000_new", migrationFile: { path: "migration.sql", content: edited } };
    // An edited file, a new migration, or a recorded one missing on disk: the engine decides.
    expect(
      await migrationsUpToDate(t.url, {
        ...list,
        migrationDirectories: [{ ...first!, migrationFile: { ...first!.migrationFile, content: edited } }, ...rest],
      }),
    ).toBe(false);
    expect(
      await migrationsUpToDate(t.url, { ...list, migrationDirectories: [...list.migrationDirectories, added] }),
    ).toBe(false);
    expect(await migrationsUpToDate(t.url, { ...list, migrationDirectories: rest })).toBe(false);
    // A failed attempt recorded in the table is the engine's to report.
    await query(
      "INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ('failed-1', 'x', 'zz_failed', now(), 0)",
    );
    try {
      expect(await migrationsUpToDate(t.url, list)).toBe(false);
    } finally {
      await query("DELETE FROM _prisma_migrations WHERE id = 'failed-1'");
    }
    expect(await migrationsUpToDate(t.url, list)).toBe(true);
    // No table at all (an empty database): false, never an error.
    expect(await migrationsUpToDate(t.url.replace(/\/[^/?]+(\?|$)/, "/postgres$1"), list)).toBe(false);
  });

  it("yields exactly what schema.prisma describes (no drift)", async () => {
    expect(await diffToSchema({ kind: "database", url: t.url }, t.url)).toBe("");
  });

  it("adds the hand-written extras Prisma cannot express (prisma/EXTRAS.md)", async () => {
    const ext = await query<{ extname: string }>("SELECT extname FROM pg_extension ORDER BY extname");
    expect(ext.map((e) => e.extname)).toEqual(expect.arrayContaining(["btree_gist", "pg_trgm"]));
    const cons = await query<{ conname: string; contype: string }>(
      "SELECT conname, contype::text FROM pg_constraint WHERE conname IN ('booking_segment_no_overlap','booking_segment_positive_range','booking_positive_range','booking_resource_segment_no_overlap') ORDER BY conname",
    );
    expect(cons).toEqual([
      { conname: "booking_positive_range", contype: "c" },
      { conname: "booking_resource_segment_no_overlap", contype: "x" },
      { conname: "booking_segment_no_overlap", contype: "x" },
      { conname: "booking_segment_positive_range", contype: "c" },
    ]);
    const idx = await query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE indexname = 'service_name_trgm'",
    );
    expect(idx[0]?.indexdef).toContain("gin_trgm_ops");
  });

  it("detects drift when the database differs from the schema", async () => {
    await query('ALTER TABLE "service" DROP COLUMN "sort_order"');
    const sql = await diffToSchema({ kind: "database", url: t.url }, t.url);
    expect(sql).toContain('ADD COLUMN     "sort_order" INTEGER NOT NULL DEFAULT 0');
  });
});
