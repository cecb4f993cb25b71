// `prisma generate` needs no schema engine, but the CLI insists on finding one and would try to
// download it (impossible offline). Point it at any executable: generate never runs it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
};
const cli = fileURLToPath(new URL("../node_modules/prisma/build/index.js", import.meta.url));
const r = spawnSync(process.execPath, [cli, "generate"], { env, stdio: ["ignore", "inherit", "inherit"], cwd: root });
process.exit(r.status ?? 1);
