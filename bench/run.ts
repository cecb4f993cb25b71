// pnpm bench: runs every *.bench.ts (or those matching argv filters) and prints one table.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Benchmark, type Figure, formatTable } from "./lib.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

async function findBenchFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".") || e.name === "generated") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findBenchFiles(p)));
    else if (e.name.endsWith(".bench.ts")) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = (
  await Promise.all(["apps", "packages", "bench"].map((d) => findBenchFiles(join(root, d)).catch(() => [])))
)
  .flat()
  .filter((f) => !filters.length || filters.some((x) => f.includes(x)))
  .sort();

const rows: { bench: string; f: Figure }[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(file).href)) as { benchmarks: Benchmark[] };
  for (const b of mod.benchmarks) {
    process.stderr.write(`running ${b.name} (${relative(root, file)})…\n`);
    const started = Date.now();
    const figures = await b.run();
    process.stderr.write(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    for (const f of figures) rows.push({ bench: b.name, f });
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
console.log(`\nCita benchmarks — ${new Date().toISOString()} — ${machine}\n`);
console.log(formatTable(rows));
const notes = rows.filter((r) => r.f.note).map((r) => `  * ${r.bench} / ${r.f.name}: ${r.f.note}`);
if (notes.length) console.log(`\n${notes.join("\n")}`);
await mkdir(join(root, "bench-results"), { recursive: true });
await writeFile(
  join(root, "bench-results", "latest.json"),
  JSON.stringify({ machine, at: new Date().toISOString(), rows }, null, 2),
);
process.exit(0);
