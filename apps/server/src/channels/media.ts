// Attachments are fetched once, by a job, and kept under the data dir: Meta's media URLs expire within
// minutes (integrations.md §2.2), Chatwoot's data_url is an ActiveStorage redirect (§1.2).

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { appendChange } from "../changes/change-log.ts";
import { mediaDirOf } from "../config/data-dir.ts";
import { sendTuning } from "./config.ts";
import type { ChannelDeps } from "./deps.ts";
import type { AttachmentRef } from "./payloads.ts";

const MAX_BYTES = 25 * 1024 * 1024;

const EXT: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "audio/ogg": "ogg",
  "audio/mpeg": "mp3",
  "audio/mp4": "m4a",
  "audio/aac": "aac",
  "audio/amr": "amr",
};

async function download(url: string, headers: Record<string, string>, timeoutMs: number) {
  const res = await fetch(url, { headers, redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET media: HTTP ${res.status}`);
  const declared = Number(res.headers.get("content-length") ?? 0);
  if (declared > MAX_BYTES) throw new Error(`media too large (${declared} bytes)`);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > MAX_BYTES) throw new Error(`media too large (${bytes.length} bytes)`);
  return { bytes, mimeType: res.headers.get("content-type")?.split(";")[0]?.trim() ?? null };
}

async function resolveMetaUrl(deps: ChannelDeps, mediaId: string, timeoutMs: number) {
  const token = deps.config.WHATSAPP_ACCESS_TOKEN;
  if (!token) throw new Error("WHATSAPP_ACCESS_TOKEN is not configured");
  const res = await fetch(`${deps.config.WHATSAPP_GRAPH_URL.replace(/\/$/, "")}/${encodeURIComponent(mediaId)}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`GET media id: HTTP ${res.status}`);
  const body = (await res.json()) as { url?: string; mime_type?: string };
  if (!body.url) throw new Error("media lookup returned no url");
  return { url: body.url, mimeType: body.mime_type ?? null, headers: { authorization: `Bearer ${token}` } };
}

export async function fetchMessageMedia(deps: ChannelDeps, messageId: string): Promise<void> {
  const message = await deps.db.message.findUnique({
    where: { id: messageId },
    include: { conversation: { select: { channel: true } } },
  });
  if (!message) return;
  const list = ((message.attachments as AttachmentRef[] | null) ?? []).map((a) => ({ ...a }));
  const timeoutMs = Math.max(sendTuning(deps.config).timeoutMs, 10_000);
  const dir = mediaDirOf(deps.config.CITA_DATA_DIR);
  let changed = false;
  for (const [i, a] of list.entries()) {
    if (a.storedPath || (a.type !== "image" && a.type !== "audio")) continue;
    let url: string | null = null;
    let headers: Record<string, string> = {};
    let declaredMime = a.mimeType ?? null;
    if (a.mediaId) {
      const r = await resolveMetaUrl(deps, a.mediaId, timeoutMs);
      url = r.url;
      headers = r.headers;
      declaredMime = declaredMime ?? r.mimeType;
    } else if (a.sourceUrl) {
      url = a.sourceUrl;
    }
    if (!url) continue;
    const { bytes, mimeType } = await download(url, headers, timeoutMs);
    const mime = (declaredMime ?? mimeType ?? "application/octet-stream").split(";")[0]!.trim();
    const path = join(dir, `${messageId}-${i}.${EXT[mime] ?? "bin"}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path, bytes);
    list[i] = { ...a, storedPath: path, mimeType: a.mimeType ?? mime, bytes: bytes.length };
    changed = true;
  }
  if (!changed) return;
  await deps.db.$transaction(async (tx) => {
    await tx.message.update({ where: { id: messageId }, data: { attachments: list as never } });
    await appendChange(tx, {
      entityType: "conversation",
      entityId: message.conversationId,
      op: "upsert",
      data: { event: "media_stored", messageId },
    });
  });
}
