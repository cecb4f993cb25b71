import pino, { type Logger } from "pino";
import { SECRET_KEYS } from "./config/env.ts";

/** JSON logs; secrets and personal fields are redacted wherever they appear in a logged object. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "cita" },
      redact: {
        paths: [
          ...SECRET_KEYS,
          "*.password",
          "password",
          "*.token",
          "*.refreshToken",
          "*.accessToken",
          "req.headers.authorization",
          'req.headers["x-hub-signature-256"]',
          "*.phone",
          "*.name",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
