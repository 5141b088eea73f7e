import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/** `/api/health`'s storage message ("disk full: …") while storage is degraded, else "". */
async function fetchStorageMessage(): Promise<string> {
  try {
    const res = await fetch("/api/health", { headers: { accept: "application/json" } });
    const body = await res.json() as { storage?: { status?: unknown; message?: unknown } };
    const s = body.storage;
    return s?.status === "degraded" && typeof s.message === "string" ? s.message : "";
  } catch {
    return "";
  }
}

/**
 * Storage trouble (a full disk) as a banner over the live view, checked every 10 s: alerts go on,
 * but history is not being saved, and the user should know why and what to do.
 */
export function StorageBanner() {
  const message = useSignal("");
  useEffect(() => {
    const check = () => fetchStorageMessage().then((m) => message.value = m);
    check();
    const every = setInterval(check, 10_000);
    return () => clearInterval(every);
  }, []);
  return message.value
    ? <p class="error" role="alert" data-testid="storage-banner">{message.value}</p>
    : null;
}
