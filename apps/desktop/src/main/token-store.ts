// Secrets (the refresh token) encrypted with the OS keychain through safeStorage, one file per
// key in the app's data directory. On Linux without a keyring Electron falls back to a hard-coded
// password ("basic_text"): the store still works, but the console warns the user.
import { join } from "node:path";
import type { SecretStoreStatus } from "../shared/bridge.ts";
import type { FilesLike, SafeStorageLike } from "./facade.ts";

const KEY = /^[a-z][a-z0-9-]{0,63}$/;

export class TokenStore {
  constructor(
    private readonly safe: SafeStorageLike,
    private readonly files: FilesLike,
    private readonly dir: string,
  ) {}

  private path(key: string): string {
    if (!KEY.test(key)) throw new Error("invalid secret key");
    return join(this.dir, `${key}.secret`);
  }

  status(): SecretStoreStatus {
    if (!this.safe.isEncryptionAvailable()) {
      return {
        backend: "none",
        encrypted: false,
        warning: "This computer offers no secure storage: you will have to sign in each time.",
      };
    }
    const backend = this.safe.getSelectedStorageBackend?.() ?? "os";
    if (backend === "basic_text") {
      return {
        backend,
        encrypted: false,
        warning:
          "No system keyring was found (GNOME Keyring or KWallet): your sign-in is stored with weak protection on this computer.",
      };
    }
    return { backend, encrypted: true, warning: null };
  }

  async get(key: string): Promise<string | null> {
    if (!this.safe.isEncryptionAvailable()) return null;
    const data = await this.files.read(this.path(key));
    if (!data) return null;
    try {
      return this.safe.decryptString(data);
    } catch {
      // Written under another keyring or corrupted: forget it rather than fail the sign-in.
      await this.files.remove(this.path(key));
      return null;
    }
  }

  async set(key: string, value: string): Promise<void> {
    // Without encryption nothing is persisted: the session lives only as long as the window.
    if (!this.safe.isEncryptionAvailable()) return;
    await this.files.write(this.path(key), this.safe.encryptString(value));
  }

  async delete(key: string): Promise<void> {
    await this.files.remove(this.path(key));
  }
}
