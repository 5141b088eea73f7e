// Vigil's service worker: shows Web Push notifications (lib/notify/push.ts sends them) while no
// Vigil page is open, and opens the event when one is tapped. Registered by the Alarm page's
// "Notify this device" (islands/PushToggle.tsx) with the scope /static/: push messages reach a
// worker whatever its scope, so it needs no control over Vigil's pages.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

/** Only Vigil's own pages are opened: a path on this origin. */
function safeUrl(path) {
  return typeof path === "string" && path.startsWith("/") && !path.startsWith("//")
    ? new URL(path, self.location.origin).href
    : new URL("/", self.location.origin).href;
}

self.addEventListener("push", (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch {
    msg = { title: "Vigil", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(msg.title || "Vigil", {
      body: msg.body || "",
      tag: msg.camera ? `vigil-${msg.camera}` : "vigil",
      renotify: true,
      requireInteraction: msg.type === "start" || msg.type === "offline",
      icon: "/static/icon.svg",
      timestamp: typeof msg.ts === "number" ? msg.ts : Date.now(),
      data: { url: safeUrl(msg.url) },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  // data.url was made by safeUrl() when the notification was shown: this origin only
  const url = event.notification.data?.url || new URL("/", self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const w of windows) {
      if (w.url === url && "focus" in w) return w.focus();
    }
    return self.clients.openWindow(url);
  })());
});
