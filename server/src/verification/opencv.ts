/**
 * OpenCV's WebAssembly build, loaded once per process. The module object has a `.then` of its own: it is never
 * returned from an async function nor awaited, only handed out wrapped, or the promise would wait on it forever.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpenCv = any;

let loading: Promise<{ cv: OpenCv }> | undefined;

/** Emscripten installs process-wide handlers that rethrow; the host (Strapi, the worker) keeps its own. */
const HOST_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

export function loadOpenCv(): Promise<{ cv: OpenCv }> {
  loading ??= new Promise((resolve) => {
    const listeners = (event: (typeof HOST_EVENTS)[number]) => process.listeners(event as 'uncaughtException') as Array<(...args: unknown[]) => void>;
    const before = new Map(HOST_EVENTS.map((event) => [event, new Set(listeners(event))]));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cv = require('@techstark/opencv-js');
    for (const event of HOST_EVENTS) for (const listener of listeners(event)) if (!before.get(event)!.has(listener)) process.off(event, listener);
    if (cv.Mat) resolve({ cv });
    else cv.onRuntimeInitialized = () => resolve({ cv });
  });
  return loading;
}
