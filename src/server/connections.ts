// Graceful HTTP shutdown: stop accepting, end each keep-alive connection as soon as it has no request in flight
// (including sockets a client opened but never used), and cut whatever is still busy after a grace period.
// server.close() alone waits for clients' keep-alive timeouts, and closeIdleConnections() misses unused sockets.
import type { Server } from "node:http";
import type { Socket } from "node:net";

export interface ConnectionTracker {
  /** Stops the server; resolves when every connection is gone. */
  close(graceMs: number): Promise<void>;
}

export function trackConnections(server: Server): ConnectionTracker {
  /** Requests in flight per open socket. */
  const inFlight = new Map<Socket, number>();
  let closing = false;

  server.on("connection", (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once("close", () => inFlight.delete(socket));
  });
  server.on("request", (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once("close", () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (inFlight.has(socket)) inFlight.set(socket, left);
      // end(), not destroy(): the response's last bytes are flushed before the FIN.
      if (closing && left === 0) socket.end();
    });
  });

  return {
    async close(graceMs) {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [socket, count] of inFlight) if (count === 0) socket.destroy();
      const cut = setTimeout(() => {
        for (const socket of inFlight.keys()) socket.destroy();
      }, graceMs);
      try {
        await stopped;
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
