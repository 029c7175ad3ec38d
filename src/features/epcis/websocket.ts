// WebSocket subscriptions: a subscriber opens a socket on a named query's subscriptions and receives
// EPCISQueryDocuments on it, through the same delivery as webhooks, for as long as the socket is open.
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import type { WSContext } from "hono/ws";
import { epcisSubscriptions } from "../../db/schema";
import type { Database } from "../../db/types";
import type { AppEnv } from "../../lib/context";
import { randomString } from "../../lib/random";

/**
 * A socket lives in the process that accepted it; its subscription row names that process, so
 * another node's dispatcher leaves it alone and this one can tell a socket that is gone from one
 * that is elsewhere.
 */
let processId: string | undefined;
// Drawn on first use: Workers forbid randomness at the top level of a module.
const PROCESS = () => {
  processId ??= randomString(12);
  return processId;
};
const DEST_PREFIX = "websocket:";

/** Sends one delivery; false when the socket is no longer open. */
type Sender = (body: string) => boolean;
const senders = new Map<string, Sender>();

export const websocketDest = (subscriptionId: string) =>
  `${DEST_PREFIX}${PROCESS()}:${subscriptionId}`;

export const isWebsocketDest = (dest: string) => dest.startsWith(DEST_PREFIX);

export type SocketTarget =
  | { kind: "live"; send: Sender }
  /** This process accepted the socket, and it is closed: the subscription ended with it. */
  | { kind: "gone" }
  /** Another process holds the socket. */
  | { kind: "elsewhere" };

export function socketTarget(dest: string): SocketTarget {
  const [process, id] = dest.slice(DEST_PREFIX.length).split(":");
  if (process !== PROCESS()) return { kind: "elsewhere" };
  const send = senders.get(id ?? "");
  return send ? { kind: "live", send } : { kind: "gone" };
}

/**
 * What a socket's subscription does as the socket opens and closes. The subscription is stored
 * when the socket opens (`store`), so a socket that never opens leaves nothing behind; it is
 * removed when the socket closes.
 */
export function socketEvents(
  db: Database,
  subscriptionId: string,
  hooks: { store: () => Promise<void>; started: () => void; failed: (error: unknown) => void },
) {
  let closed = false;
  return {
    onOpen: (_event: Event, ws: WSContext) => {
      void hooks
        .store()
        .then(() => {
          if (closed) return removeSubscription(db, subscriptionId);
          senders.set(subscriptionId, (body) => {
            if (ws.readyState !== 1) return false;
            ws.send(body);
            return true;
          });
          hooks.started();
        })
        .catch((error) => {
          hooks.failed(error);
          ws.close(1011, "the subscription could not be stored");
        });
    },
    onClose: async () => {
      closed = true;
      senders.delete(subscriptionId);
      // A WebSocket subscription lasts as long as its socket. Should the delete fail, this
      // process's dispatcher removes the subscription when it finds the socket gone.
      await removeSubscription(db, subscriptionId).catch(hooks.failed);
    },
  };
}

async function removeSubscription(db: Database, id: string): Promise<void> {
  await db.delete(epcisSubscriptions).where(eq(epcisSubscriptions.id, id));
}

/** True when the request asks to open a WebSocket. */
export const wantsWebSocket = (c: Context<AppEnv>) =>
  c.req.header("Upgrade")?.toLowerCase() === "websocket";
