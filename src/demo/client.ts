// A small in-process client for seeding: real requests through the real app, failing loudly.
import type { App } from "../app";

export interface Call {
  key?: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
}

export class DemoClient {
  constructor(
    private readonly app: App,
    readonly baseUrl: string,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    call: Call = {},
  ): Promise<{ status: number; body: T }> {
    const headers = new Headers(call.headers);
    let body: BodyInit | undefined;
    if (call.json !== undefined) {
      headers.set("Content-Type", "application/json");
      body = JSON.stringify(call.json);
    } else if (call.form) {
      body = call.form;
    }
    if (call.key) headers.set("Authorization", `Bearer ${call.key}`);
    const res = await this.app.request(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    const type = res.headers.get("content-type") ?? "";
    return {
      status: res.status,
      body: (type.includes("json") && text ? JSON.parse(text) : text) as T,
    };
  }

  /** A request that must succeed; anything else stops the seeding with what the service said. */
  async must<T = Record<string, unknown>>(
    method: string,
    path: string,
    call: Call = {},
  ): Promise<T> {
    const res = await this.request<T>(method, path, call);
    if (res.status >= 300) {
      throw new Error(
        `demo: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`,
      );
    }
    return res.body;
  }
}
