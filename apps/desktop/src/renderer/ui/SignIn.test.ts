import { describe, expect, it } from "vitest";
import { WebSessionError } from "../bridge/web-session.ts";
import { signInError } from "./SignIn.tsx";

const tr = { t: (k: string) => k } as Parameters<typeof signInError>[1];

describe("why signing in failed, in the console's words", () => {
  it("names wrong credentials, a disabled account, too many attempts and no server", () => {
    expect(signInError(new WebSessionError(401, "UNAUTHENTICATED", "Email or password is incorrect"), tr)).toBe(
      "signInWrong",
    );
    expect(signInError(new WebSessionError(401, "UNAUTHENTICATED", "This account is disabled"), tr)).toBe(
      "signInDisabled",
    );
    expect(signInError(new WebSessionError(429, "RATE_LIMITED", "Too many sign-in attempts"), tr)).toBe(
      "signInThrottled",
    );
    expect(signInError(new TypeError("Failed to fetch"), tr)).toBe("signInUnreachable");
  });
});
