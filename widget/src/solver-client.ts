/**
 * The page's side of the solver worker: started lazily (on the first hover, focus or solve), shared by every
 * widget on the page, and restarted after it dies. Workers must come from the page's own origin, so when the
 * service is elsewhere a one-line `blob:` module imports the real worker from the service (CORS allows it);
 * docs/widget.md lists the `worker-src blob:` this needs under a CSP.
 */
import type { WireOutput } from '../../src/protocol/inference-task';
import type { FromWorker, SolveTask, ToWorker } from './worker-messages';

export interface SolveResult {
  outputs: WireOutput[];
  backend: string;
  ms: number;
}

export interface SolveHandle {
  result: Promise<SolveResult>;
  cancel(): void;
}

/** A failure with the code the widget reports (`worker-unavailable`, `model-integrity`, …). */
export class SolverError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

interface Job {
  onProgress(done: number, count: number): void;
  resolve(result: SolveResult): void;
  reject(error: SolverError): void;
}

export class SolverClient {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, Job>();
  private nextJob = 1;

  constructor(private readonly workerUrl: string) {}

  /** Starts the worker and lets it load the runtime, ahead of a probable click. */
  prepare(): void {
    this.post({ type: 'prepare' });
  }

  solve(task: SolveTask, onProgress: (done: number, count: number) => void): SolveHandle {
    const job = this.nextJob++;
    const result = new Promise<SolveResult>((resolve, reject) => {
      this.jobs.set(job, { onProgress, resolve, reject });
    });
    if (!this.post({ type: 'solve', job, task })) this.failAll('worker-unavailable');
    return {
      result,
      cancel: () => {
        this.jobs.delete(job);
        this.post({ type: 'cancel', job });
      },
    };
  }

  private post(message: ToWorker): boolean {
    try {
      this.worker ??= this.spawn();
      this.worker.postMessage(message);
      return true;
    } catch {
      this.worker = null;
      return false;
    }
  }

  private spawn(): Worker {
    const worker = new Worker(this.entryUrl(), { type: 'module' });
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => this.receive(event.data));
    // A worker that cannot load (blocked by CSP, 404) or crashes fails its jobs; the next solve respawns it.
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      worker.terminate();
      if (this.worker === worker) this.worker = null;
      this.failAll('worker-unavailable');
    });
    return worker;
  }

  private entryUrl(): string {
    if (new URL(this.workerUrl).origin === location.origin) return this.workerUrl;
    const trampoline = new Blob([`import ${JSON.stringify(this.workerUrl)};`], { type: 'text/javascript' });
    return URL.createObjectURL(trampoline);
  }

  private receive(message: FromWorker): void {
    const job = this.jobs.get(message.job);
    if (!job) return;
    if (message.type === 'progress') job.onProgress(message.done, message.count);
    if (message.type === 'solved') {
      this.jobs.delete(message.job);
      job.resolve({ outputs: message.outputs, backend: message.backend, ms: message.ms });
    }
    if (message.type === 'failed') {
      this.jobs.delete(message.job);
      // The code reaches the site's error-callback; the details are for the integrator's console.
      console.warn(`peerproof: ${message.code}: ${message.message}`);
      job.reject(new SolverError(message.code));
    }
  }

  private failAll(code: string): void {
    for (const job of this.jobs.values()) job.reject(new SolverError(code));
    this.jobs.clear();
  }
}
