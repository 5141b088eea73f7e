import type { VigilConfig } from "../config/mod.ts";
import { ObjectClassifier } from "./classifier.ts";
import { LabelStore } from "./label_store.ts";
import { ObjectService } from "./service.ts";
import type { ObjectSettings } from "./settings.ts";

/**
 * Objects for a running Vigil (main.ts): the classifier's Worker loads the model in the
 * background (the server and motion detection do not wait for it), labels go to the events
 * database. When every camera turned objects off, no Worker is started (stored labels are
 * still shown).
 */
export function startObjects(
  config: VigilConfig,
  opts: {
    log?: (line: string) => void;
    workerUrl?: URL;
    holdWrites?: () => boolean;
    /** A camera's settings now (settings change live); default: `config`'s, fixed. */
    settingsFor?: (camera: string) => ObjectSettings | undefined;
  } = {},
): ObjectService {
  const log = opts.log ?? console.log;
  const classifier = config.cameras.some((c) => c.objects?.enabled)
    ? ObjectClassifier.launch({ model: config.objectModel, log, workerUrl: opts.workerUrl })
    : null;
  const t0 = performance.now();
  classifier?.loaded.then(() => {
    if (classifier.ready) {
      log(
        `vigil: objects on: ${classifier.modelName} loaded in ${
          Math.round(performance.now() - t0)
        } ms`,
      );
    }
  });
  let store: LabelStore | null = null;
  try {
    store = LabelStore.open(config.data, log);
    if (opts.holdWrites) store.holdWhile = opts.holdWrites;
  } catch (err) {
    log(`vigil: object labels will not be stored: ${(err as Error).message}`);
  }
  const byId = new Map(config.cameras.map((c) => [c.id, c.objects]));
  return new ObjectService({
    classifier,
    store,
    settingsFor: opts.settingsFor ?? ((id) => byId.get(id)),
  });
}
