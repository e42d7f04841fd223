// Ephemera browser client: fetches single-use realtime tokens from the broker and keeps one fresh, then opens
// realtime sessions through the broker's relay. No dependencies; an ES module.
//
//   import { EphemeraClient } from "https://broker.example.com/ephemera.js";
//   const client = new EphemeraClient({ broker: "https://broker.example.com", credential: () => userJwt });
//   const ws = await client.connect({ model: "gpt-realtime", onMessage: (m) => console.log(m) });

export class EphemeraClient {
  /**
   * @param {object} options
   * @param {string} [options.broker]      the broker's base URL (default: this page's origin)
   * @param {() => string|Promise<string>} options.credential  the user's JWT (or a key), sent as Bearer
   * @param {string|(() => string|undefined)} [options.profile]  the profile to mint from (default: the broker's)
   * @param {number} [options.refreshMargin]  seconds before expiry at which a token is replaced (default 10)
   */
  constructor({ broker = location.origin, credential, profile, refreshMargin = 10 } = {}) {
    if (typeof credential !== "function") throw new TypeError("credential must be a function");
    this.broker = broker.replace(/\/$/, "");
    this.credential = credential;
    this.profile = profile;
    this.refreshMargin = refreshMargin;
    this.current = null;
    this.timer = null;
  }

  /** A fresh, unused token; fetched now if there is none or it is about to expire. */
  async token() {
    const now = Date.now() / 1000;
    if (!this.current || this.current.expires_at - now <= this.refreshMargin) {
      this.current = await this.#fetchToken();
      this.#scheduleRefresh();
    }
    return this.current;
  }

  /** Takes the current token for use: a token opens one session, so the next call fetches another. */
  async take() {
    const token = await this.token();
    this.current = null;
    return token;
  }

  /** Opens a realtime session through the broker's relay with a fresh token. */
  async connect({ model, onMessage, onOpen, onClose, token } = {}) {
    const use = token ?? (await this.take());
    const url = new URL(this.broker + "/v1/realtime");
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (model) url.searchParams.set("model", model);
    const ws = new WebSocket(url, ["ephemera", "ephemera-token." + use.value]);
    ws.addEventListener("open", () => onOpen?.(ws));
    ws.addEventListener("message", (event) => onMessage?.(event.data, ws));
    ws.addEventListener("close", (event) => onClose?.(event.code, event.reason));
    return ws;
  }

  /** Stops refreshing. */
  close() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  async #fetchToken() {
    const profile = typeof this.profile === "function" ? this.profile() : this.profile;
    const response = await fetch(this.broker + "/realtime-token", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + (await this.credential()) },
      body: JSON.stringify(profile ? { profile } : {}),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body?.error?.message ?? "token request failed (HTTP " + response.status + ")");
      error.code = body?.error?.code;
      error.status = response.status;
      throw error;
    }
    return body;
  }

  #scheduleRefresh() {
    clearTimeout(this.timer);
    const wait = (this.current.expires_at - Date.now() / 1000 - this.refreshMargin) * 1000;
    this.timer = setTimeout(() => {
      this.current = null;
      this.token().catch(() => {});
    }, Math.max(wait, 1000));
  }
}
