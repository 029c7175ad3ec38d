// WebSocket upgrades on Node: the upgrade request goes through the app's own routes (key, checks)
// before the socket is accepted. Node only; Workers have no entry for it (WebSocket subscriptions 501).
import type { ServerType } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import type { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";

export interface NodeWebSockets {
  /** Goes into the app's dependencies before the app exists. */
  upgradeWebSocket: UpgradeWebSocket;
  /** Once app and server exist: the server hands upgrade requests to the app. */
  attach(app: { request: Hono["request"] }, server: ServerType): void;
}

export function nodeWebSockets(): NodeWebSockets {
  let app: { request: Hono["request"] } | undefined;
  const ws = createNodeWebSocket({
    app: {
      request: (...args: Parameters<Hono["request"]>) => {
        if (!app) throw new Error("WebSocket upgrade before the app was attached");
        return app.request(...args);
      },
    } as unknown as Hono,
  });
  return {
    upgradeWebSocket: ws.upgradeWebSocket,
    attach(target, server) {
      app = target;
      ws.injectWebSocket(server);
    },
  };
}
