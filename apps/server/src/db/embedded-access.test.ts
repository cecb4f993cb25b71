import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { closedAncestor } from "./embedded.ts";

describe("a data dir the postgres user cannot reach", () => {
  it("names the private folder above it, and nothing when every folder can be passed", async () => {
    const stranger = { uid: 54_321, gid: 54_321 }; // neither owner nor group of anything here
    const base = await mkdtemp(join(tmpdir(), "cita-access-"));
    try {
      await mkdir(join(base, "inner"));
      await chmod(base, 0o700);
      expect(closedAncestor(join(base, "inner", "data"), stranger)).toBe(base);
      await chmod(base, 0o711);
      expect(closedAncestor(join(base, "inner", "data"), stranger)).toBeNull();
      // A data dir that does not exist yet is judged by the folders that do.
      expect(closedAncestor(join(base, "inner", "not-yet", "data"), stranger)).toBeNull();
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
