// Reads a text/event-stream body into events with JSON data. Comment lines (heartbeats) are skipped unless asked
// for. A consumer that stops iterating ends the body's iteration too, which closes the connection.

export interface SseMessage {
  readonly event: string;
  readonly data: unknown;
}

/** With `comments`, comment lines (heartbeats) are yielded too, as event ":" with the comment text as data. */
export async function* readSse(body: AsyncIterable<Uint8Array>, options: { comments?: boolean } = {}): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          if (options.comments) yield { event: ":", data: line.slice(1).trim() };
        } else if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length > 0) yield { event, data: JSON.parse(data.join("\n")) as unknown };
    }
  }
}
