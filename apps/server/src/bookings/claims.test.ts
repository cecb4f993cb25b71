import { describe, expect, it } from "vitest";
import { ClaimGate, ClaimLost } from "./claims.ts";

const seg = (staffId: string, start: number, end: number) => [{ staffId, start, end }];
const deferred = () => {
  let resolve!: (v: string) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe("ClaimGate", () => {
  it("a write overlapping one in flight waits, and loses at once when that one commits", async () => {
    const gate = new ClaimGate();
    const first = deferred();
    let secondRan = false;
    const a = gate.run(seg("x", 0, 30), () => first.promise);
    const b = gate.run(seg("x", 15, 45), async () => {
      secondRan = true;
      return "b";
    });
    expect(gate.contended(seg("x", 20, 25))).toBe(true);
    first.resolve("a");
    expect(await a).toBe("a");
    const lost = await b.catch((e) => e);
    expect(lost).toBeInstanceOf(ClaimLost);
    expect((lost as ClaimLost).winner).toEqual(seg("x", 0, 30));
    expect(secondRan).toBe(false);
    expect(gate.size).toBe(0);
  });

  it("when the write ahead fails, the next one goes ahead (the database decides)", async () => {
    const gate = new ClaimGate();
    const first = deferred();
    const a = gate.run(seg("x", 0, 30), () => first.promise);
    const b = gate.run(seg("x", 0, 30), async () => "b");
    first.reject(new Error("refused"));
    await expect(a).rejects.toThrow("refused");
    expect(await b).toBe("b");
  });

  it("writes for other stylists or other times run side by side", async () => {
    const gate = new ClaimGate();
    const first = deferred();
    const a = gate.run(seg("x", 0, 30), () => first.promise);
    expect(gate.contended(seg("y", 0, 30))).toBe(false);
    expect(gate.contended(seg("x", 30, 60))).toBe(false);
    // Both finish while the first is still open.
    expect(await gate.run(seg("y", 0, 30), async () => "y")).toBe("y");
    expect(await gate.run(seg("x", 30, 60), async () => "later")).toBe("later");
    first.resolve("a");
    expect(await a).toBe("a");
  });

  it("a waiter behind two loses to whichever of them commits", async () => {
    const gate = new ClaimGate();
    const first = deferred();
    const second = deferred();
    const a = gate.run(seg("x", 0, 30), () => first.promise);
    const b = gate.run(seg("x", 0, 30), () => second.promise);
    const c = gate.run(seg("x", 10, 20), async () => "c");
    first.reject(new Error("lost elsewhere"));
    await expect(a).rejects.toThrow();
    // b was waiting on a; a failed, so b writes and commits; c then loses to b.
    second.resolve("b");
    expect(await b).toBe("b");
    expect(await c.catch((e) => e)).toBeInstanceOf(ClaimLost);
  });
});
