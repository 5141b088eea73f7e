import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/** The service worker (static/sw.js) and its scope: push reaches it whatever the scope. */
const SW_URL = "/static/sw.js";
const SW_SCOPE = "/static/";

type State = "checking" | "unsupported" | "off-server" | "denied" | "off" | "on" | "busy";

function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - b64.length % 4) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The registration with an active worker (pushManager.subscribe needs one). */
async function registration(): Promise<ServiceWorkerRegistration> {
  const reg = await navigator.serviceWorker.register(SW_URL, { scope: SW_SCOPE });
  const worker = reg.installing ?? reg.waiting;
  if (worker && !reg.active) {
    await new Promise<void>((resolve) => {
      worker.addEventListener("statechange", () => {
        if (worker.state === "activated") resolve();
      });
    });
  }
  return reg;
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
}

/**
 * "Notify this device": Web Push for people who are away. Subscribes this browser (service
 * worker + VAPID key from the server), stores the subscription for the signed-in user, and
 * sends a test. Works with the page closed once on.
 */
export default function PushToggle() {
  const state = useSignal<State>("checking");
  const note = useSignal("");

  useEffect(() => {
    (async () => {
      if (!("serviceWorker" in navigator) || !("PushManager" in globalThis)) {
        state.value = "unsupported";
        return;
      }
      const res = await api("GET", "/api/push/key").catch(() => null);
      if (!res?.ok) {
        state.value = "off-server";
        return;
      }
      if ("Notification" in globalThis && Notification.permission === "denied") {
        state.value = "denied";
        return;
      }
      const reg = await navigator.serviceWorker.getRegistration(SW_SCOPE).catch(() => undefined);
      const sub = await reg?.pushManager.getSubscription().catch(() => null);
      state.value = sub ? "on" : "off";
    })();
  }, []);

  const turnOn = async () => {
    state.value = "busy";
    note.value = "";
    try {
      if (await Notification.requestPermission() !== "granted") {
        state.value = "denied";
        return;
      }
      const { publicKey } = await (await api("GET", "/api/push/key")).json();
      const reg = await registration();
      const sub = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(publicKey),
      });
      const res = await api("POST", "/api/push/subscriptions", sub.toJSON());
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error ?? res.statusText);
      state.value = "on";
      note.value = "This device gets notifications, even with Vigil closed.";
    } catch (err) {
      state.value = "off";
      note.value = `Could not turn notifications on: ${(err as Error).message}`;
    }
  };

  const turnOff = async () => {
    state.value = "busy";
    try {
      const reg = await navigator.serviceWorker.getRegistration(SW_SCOPE);
      const sub = await reg?.pushManager.getSubscription();
      if (sub) {
        await api("DELETE", "/api/push/subscriptions", { endpoint: sub.endpoint });
        await sub.unsubscribe();
      }
      note.value = "Notifications are off on this device.";
    } catch (err) {
      note.value = `Could not turn notifications off: ${(err as Error).message}`;
    }
    state.value = "off";
  };

  const test = async () => {
    const res = await api("POST", "/api/push/test");
    const r = res.ok ? await res.json() : null;
    note.value = r ? `Test sent to ${r.ok} of ${r.devices} device(s).` : "The test failed.";
  };

  const s = state.value;
  return (
    <section class="card push-toggle" data-testid="push-toggle" data-state={s}>
      <h2 class="section-title">Notifications when you are away</h2>
      {s === "checking" && <p class="muted small">Checking this browser…</p>}
      {s === "unsupported" && (
        <p class="muted small">
          This browser cannot get push notifications (on iPhone: add Vigil to the home screen first;
          push also needs HTTPS or localhost).
        </p>
      )}
      {s === "off-server" && <p class="muted small">Web Push is off on this Vigil.</p>}
      {s === "denied" && (
        <p class="muted small">
          Notifications are blocked for this site: allow them in the browser's site settings.
        </p>
      )}
      {(s === "off" || s === "on" || s === "busy") && (
        <div class="push-buttons">
          {s === "on"
            ? (
              <>
                <span class="pill pill-ok">On for this device</span>
                <button type="button" class="btn" onClick={test}>Send a test</button>
                <button type="button" class="btn btn-ghost" onClick={turnOff}>Turn off</button>
              </>
            )
            : (
              <button
                type="button"
                class="btn btn-primary"
                disabled={s === "busy"}
                onClick={turnOn}
              >
                Notify this device
              </button>
            )}
        </div>
      )}
      <p class="muted small" role="status">{note.value}</p>
    </section>
  );
}
