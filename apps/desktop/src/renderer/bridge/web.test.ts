import { describe, expect, it } from "vitest";
import { createWebBridge } from "./web.ts";

class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
}

function bridge(permission = "granted") {
  const local = new MemoryStorage();
  const session = new MemoryStorage();
  const shown: string[] = [];
  const opened: string[] = [];
  const b = createWebBridge({
    local,
    session,
    notification: {
      permission,
      requestPermission: async () => "denied",
      create: (title, o) => shown.push(`${title}: ${o.body}`),
    },
    version: "1.2.3",
    open: (u) => opened.push(u),
  });
  return { b, local, session, shown, opened };
}

describe("web bridge", () => {
  it("never writes a secret to browser storage, and removes ones earlier versions left", async () => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    local.setItem("cita.secret.refresh-token", "old-persisted");
    session.setItem("cita.secret.refresh-token", "old-tab");
    local.setItem("cita.lang", "es");
    const b = createWebBridge({ local, session, version: "1", open: () => {} });
    expect(local.getItem("cita.secret.refresh-token")).toBeNull();
    expect(session.getItem("cita.secret.refresh-token")).toBeNull();
    expect(local.getItem("cita.lang")).toBe("es");
    await b.secrets.set("refresh-token", "t1", { persist: true });
    expect(await b.secrets.get("refresh-token")).toBe("t1");
    expect(local.length + session.length).toBe(1); // only cita.lang
    await b.secrets.delete("refresh-token");
    expect(await b.secrets.get("refresh-token")).toBeNull();
    expect(await b.secrets.status()).toEqual({ backend: "http-only-cookie", encrypted: true, warning: null });
  });

  it("notifies only with permission", async () => {
    const ok = bridge("granted");
    expect(await ok.b.notify({ title: "Nueva cita", body: "10:00" })).toBe(true);
    expect(ok.shown).toEqual(["Nueva cita: 10:00"]);
    const asked = bridge("default");
    expect(await asked.b.notify({ title: "x", body: "y" })).toBe(false);
    expect(asked.shown).toEqual([]);
  });

  it("opens https links only", async () => {
    const { b, opened } = bridge();
    expect(await b.openExternal("https://wa.me/34600111201")).toBe(true);
    expect(await b.openExternal("javascript:alert(1)")).toBe(false);
    expect(await b.openExternal("http://example.com")).toBe(false);
    expect(opened).toEqual(["https://wa.me/34600111201"]);
    expect(await b.app.version()).toBe("1.2.3");
    expect(await b.app.checkForUpdates()).toEqual({ state: "unsupported" });
  });
});
