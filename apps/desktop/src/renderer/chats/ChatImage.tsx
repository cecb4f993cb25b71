// A customer's image in the transcript: fetched through chats.media (scaled down by the server, no
// metadata) once the media job has stored it; until then, or if it cannot be read, the caption only.
import { useEffect, useState } from "react";
import { useConsole } from "../ui/context.tsx";

export function ChatImage(props: { conversationId: string; messageId: string; index: number; alt: string }) {
  const { api } = useConsole();
  const [src, setSrc] = useState<{ url: string; width: number; height: number } | null>(null);
  useEffect(() => {
    let live = true;
    api.chats.media
      .query({ conversationId: props.conversationId, messageId: props.messageId, index: props.index })
      .then((r) => live && setSrc({ url: r.dataUrl, width: r.width, height: r.height }))
      .catch(() => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [api, props.conversationId, props.messageId, props.index]);
  if (!src) return null;
  return (
    <img
      className="chat-image"
      data-testid="chat-image"
      src={src.url}
      width={src.width}
      height={src.height}
      alt={props.alt}
    />
  );
}
