// Reading Server-Sent Events in tests: a parser over a response body that hands out one message
// at a time (comment lines are counted, not returned) and tells when the server ended the stream.

/** One SSE message. */
export interface SseMessage {
  id?: string;
  event?: string;
  data: any;
}

/** A reader of one stream. */
export interface SseReader {
  /** The next message, or null once the stream ended; fails after `timeoutMs` (default 5,000). */
  next(timeoutMs?: number): Promise<SseMessage | null>;
  /** How many comment lines (heartbeats) came so far. */
  readonly comments: number;
  close(): Promise<void>;
}

/** Reads the messages of an `text/event-stream` response. */
export function readSse(response: Response): SseReader {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let comments = 0;
  let ended = false;
  const parse = (block: string): SseMessage | undefined => {
    const message: SseMessage = { data: undefined };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments += 1;
      else if (line.startsWith('id: ')) message.id = line.slice(4);
      else if (line.startsWith('event: ')) message.event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return undefined;
    message.data = JSON.parse(data.join('\n'));
    return message;
  };
  return {
    get comments() {
      return comments;
    },
    async next(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message = parse(block);
          if (message) return message;
          continue;
        }
        if (ended) return null;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no SSE message in time');
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no SSE message in time')), left))),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) ended = true;
        else buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    close: () => reader.cancel().catch(() => undefined),
  };
}
