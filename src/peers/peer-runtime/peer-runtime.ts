/**
 * `peerproof peer`: a long-running verifier peer, without Nest. It registers its key, verifies the signed
 * manifest against the service key it was given, gets every model through the swarm (checked by sha256
 * before onnxruntime sees it), keeps seeding, and answers jobs by commit and reveal (docs/peers.md).
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyEd25519 } from '../../adapters/ed25519';
import { OnnxAdapter } from '../../adapters/onnx.adapter';
import type { TorrentOptions } from '../../adapters/torrent.adapter';
import { TorrentAdapter } from '../../adapters/torrent.adapter';
import type { InferenceDevice } from '../../config/app-config';
import type { PublishedModel, SignedManifest } from '../../protocol/signed-manifest';
import { verifySignedManifest } from '../../protocol/signed-manifest';
import type { PendingJobDto } from '../peers.dto';
import type { WitnessOutcome } from './head-witness';
import { HeadWitness } from './head-witness';
import type { JobOutcome } from './job-worker';
import { JobWorker } from './job-worker';
import { LivenessReviewer } from './liveness-reviewer';
import { ModelRunners } from './model-runners';
import { ModelStore } from './model-store';
import type { PeerIdentity } from './peer-identity';
import { loadOrCreateIdentity } from './peer-identity';
import type { PeerLog } from './peer-log';
import { formatBytes } from './peer-log';
import { saveState } from './peer-state';
import { PendingVerdicts } from './pending-verdicts';
import { ServiceClient, ServiceError, ServiceUnreachableError } from './service-client';

export interface PeerRuntimeOptions {
  serviceUrl: string;
  /** The service's Ed25519 public key, from a source the operator trusts; the manifest must carry its signature. */
  serviceKey: string;
  dataDir: string;
  device: InferenceDevice;
  torrent: TorrentOptions;
  /** `host:port` of peers to connect to besides what DHT, trackers and LSD find. */
  torrentPeers?: string[];
  log: PeerLog;
  /** Keep at least this much stake bonded: after registering, stake the difference from the free balance. */
  stake?: number | null;
  pollSeconds?: number;
  manifestIntervalMs?: number;
  heartbeatIntervalMs?: number;
  /** How often to check the ledger's head and co-sign it when it extends the last one (0: never). */
  witnessIntervalMs?: number;
  /** The clock requests are stamped with; tests pass the service's manual clock. */
  now?: () => number;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** When every job on offer is one this peer cannot judge, wait this long before asking again. */
const IDLE_MS = 5_000;

export interface PeerJobEvent {
  job: PendingJobDto;
  outcome: JobOutcome;
}

export class PeerRuntime {
  readonly identity: PeerIdentity;
  /**
   * Emits `job` (PeerJobEvent) after each job step, `models` after each manifest applied, and `witness`
   * (a WitnessOutcome) after each check of the ledger's head.
   */
  readonly events = new EventEmitter();
  private readonly client: ServiceClient;
  private readonly torrent: TorrentAdapter;
  private readonly store: ModelStore;
  private readonly runners: ModelRunners;
  private readonly worker: JobWorker;
  private readonly log: PeerLog;
  private readonly stopping = new AbortController();
  private manifest: SignedManifest | null = null;
  private loops: Promise<void>[] = [];
  private readonly unjudgeable = new Set<string>();
  private readonly witness: HeadWitness;
  private readonly reviewer: LivenessReviewer;

  constructor(private readonly options: PeerRuntimeOptions) {
    this.log = options.log;
    const { identity, created } = loadOrCreateIdentity(options.dataDir);
    this.identity = identity;
    const { peerId, keyId } = identity;
    const verb = created ? 'created' : 'loaded';
    this.log.info('identity', `${verb} peer identity ${peerId} (key id ${keyId})`, { peer: peerId, keyId, created });
    this.client = new ServiceClient(options.serviceUrl, identity, { now: options.now });
    this.torrent = new TorrentAdapter(options.torrent);
    this.runners = new ModelRunners(new OnnxAdapter({ device: options.device, intraOpNumThreads: 1, workers: 1 }));
    this.store = new ModelStore(
      options.dataDir,
      this.torrent,
      { torrentFile: (model) => this.client.torrentFile(model.id) },
      this.log,
      options.torrentPeers ?? [],
    );
    this.witness = new HeadWitness(this.client, identity, options.serviceKey, options.dataDir, this.log);
    this.reviewer = new LivenessReviewer(this.runners, identity);
    this.worker = new JobWorker(
      this.client,
      this.runners,
      this.reviewer,
      new PendingVerdicts(options.dataDir),
      this.log,
    );
  }

  /**
   * Registers, verifies the manifest and gets the models, then serves jobs in the background. Rejects with
   * ManifestVerificationError when the service's manifest is not signed by the configured key.
   */
  async start(): Promise<void> {
    const registered = await this.retrying('register', () => this.client.register());
    const known = registered.created ? '' : ' (known peer)';
    this.log.info('registered', `registered with ${this.options.serviceUrl}${known}`, {
      service: this.options.serviceUrl,
    });
    if (this.options.stake) await this.retrying('stake', () => this.ensureStake(this.options.stake!));
    await this.retrying('manifest', () => this.applyManifest(true));
    // The face analysis (TensorFlow.js and its graphs) loads now, so the first liveness review is as fast
    // as the next; a peer without those models serves audits only.
    if (this.reviewer.ready()) {
      await this.reviewer.warm().catch((error: unknown) => {
        this.log.warn('reviews-unavailable', `liveness reviews cannot run here: ${(error as Error).message}`);
      });
    }
    const { device } = this.runners;
    if (device !== this.options.device) {
      this.log.warn('device-fallback', `onnxruntime cannot use ${this.options.device} here; running on ${device}`);
    }
    this.loops = [
      this.jobLoop(),
      this.every(this.options.heartbeatIntervalMs ?? 60_000, () => this.heartbeat()),
      this.every(this.options.manifestIntervalMs ?? 300_000, () => this.applyManifest(false)),
    ];
    const witnessMs = this.options.witnessIntervalMs ?? 60_000;
    if (witnessMs > 0) this.loops.push(this.every(witnessMs, () => this.witnessHead()));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
    this.client.close();
    await this.torrent.destroy();
    await this.runners.release();
  }

  /** The TCP port this peer seeds on. */
  async torrentPort(): Promise<number> {
    return (await this.torrent.address()).port;
  }

  heldModels(): string[] {
    return this.runners.held();
  }

  /**
   * Tops the bonded stake up to `target` from the free balance. A refusal by the service (no free units
   * granted yet) is logged, not fatal: the peer still serves, and is drawn once it has stake.
   */
  private async ensureStake(target: number): Promise<void> {
    const { staked } = await this.client.balance();
    if (staked >= target) {
      this.log.info('stake', `${staked} units bonded, at least the ${target} asked for`, { staked, target });
      return;
    }
    try {
      const { balance } = await this.client.changeStake('stake', target - staked);
      this.log.info('stake', `staked ${target - staked}; ${balance.staked} units bonded`, {
        staked: balance.staked,
        target,
      });
    } catch (error) {
      if (!(error instanceof ServiceError) || error.status !== 409) throw error;
      this.log.warn('stake', `could not stake ${target - staked}: ${error.message}`, { code: error.code, target });
    }
  }

  /** Fetches and verifies the manifest; a new version is applied (models fetched, loaded, announced). */
  private async applyManifest(initial: boolean): Promise<void> {
    const json = await this.client.manifest();
    let manifest: SignedManifest;
    try {
      manifest = verifySignedManifest(json, this.options.serviceKey, verifyEd25519);
    } catch (error) {
      if (initial) throw error;
      // Keep serving with the models already verified; a bad manifest later never replaces a good one.
      this.log.error('manifest-refused', `refusing the service's new manifest: ${(error as Error).message}`);
      return;
    }
    const fresh = this.manifest?.signature !== manifest.signature;
    if (fresh) {
      const models = manifest.models.map((model) => model.id);
      const summary = `manifest signed at ${manifest.signedAt} verified: ${models.length} model(s)`;
      this.log.info('manifest', summary, { signedAt: manifest.signedAt, models });
      const { serviceUrl, serviceKey } = this.options;
      saveState(this.options.dataDir, { serviceUrl, serviceKey, manifest: json });
    }
    const before = this.heldModels().join();
    for (const model of manifest.models) await this.hold(model);
    await this.dropRetired(manifest);
    this.manifest = manifest;
    // Announce what changed: a new version, or a model that failed before and is here now.
    if (fresh || this.heldModels().join() !== before) {
      await this.heartbeat();
      this.events.emit('models', this.heldModels());
    }
  }

  private async hold(model: PublishedModel): Promise<void> {
    try {
      const held = await this.store.ensure(model, this.stopping.signal);
      const known = this.runners.holds(model.sha256) && held.origin === 'disk';
      await this.runners.load(held);
      if (!known) {
        const summary = `${model.id}: ${formatBytes(model.bytes)}, sha256 verified (${held.origin}), loaded, seeding`;
        this.log.info('model-ready', summary, { model: model.id, sha256: model.sha256, origin: held.origin });
      }
    } catch (error) {
      if (this.stopping.signal.aborted) throw error;
      this.runners.forget(model.sha256);
      this.log.error('model-unavailable', `${model.id}: ${(error as Error).message}; retrying at the next refresh`, {
        model: model.id,
      });
    }
  }

  private async dropRetired(manifest: SignedManifest): Promise<void> {
    const listed = new Set(manifest.models.map((model) => model.sha256));
    for (const model of this.manifest?.models ?? []) {
      if (listed.has(model.sha256)) continue;
      await this.store.forget(model);
      this.runners.forget(model.sha256);
      this.log.info('model-retired', `${model.id}: no longer in the manifest, stopped seeding`, { model: model.id });
    }
  }

  /** One witness check (head-witness.ts); a refusal is logged there with its code, never co-signed. */
  async witnessHead(): Promise<WitnessOutcome> {
    const outcome = await this.witness.check();
    this.events.emit('witness', outcome);
    return outcome;
  }

  private async heartbeat(): Promise<void> {
    await this.client.heartbeat(this.runners.held());
  }

  private async jobLoop(): Promise<void> {
    const pollSeconds = this.options.pollSeconds ?? 30;
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      try {
        const jobs = await this.client.jobs(pollSeconds, this.stopping.signal);
        const progressed = await this.work(jobs);
        failures = 0;
        if (jobs.length > 0 && !progressed) await sleep(IDLE_MS, undefined, { signal: this.stopping.signal });
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        if (error instanceof ServiceError && error.code === 'unknown-peer') {
          // The service lost this peer (a new database): register again and carry on.
          await this.client.register(this.runners.held()).catch(() => undefined);
        }
        this.log.warn('service-error', `job poll failed: ${(error as Error).message}`);
        await this.pause(++failures);
      }
    }
  }

  /** Handles each job on offer; true when at least one moved forward. */
  private async work(jobs: PendingJobDto[]): Promise<boolean> {
    let progressed = false;
    for (const job of jobs) {
      const key = `${job.id}:${job.phase}`;
      if (this.unjudgeable.has(key)) continue;
      const outcome = await this.worker.handle(job);
      if (outcome === 'skipped') {
        if (this.unjudgeable.size > 10_000) this.unjudgeable.clear();
        this.unjudgeable.add(key);
      } else {
        progressed = true;
      }
      this.events.emit('job', { job, outcome } satisfies PeerJobEvent);
    }
    return progressed;
  }

  private async every(intervalMs: number, task: () => Promise<unknown>): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        await sleep(intervalMs, undefined, { signal: this.stopping.signal });
        await task();
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.log.warn('service-error', (error as Error).message);
      }
    }
  }

  /** Retries `task` while the service cannot be reached; other errors stop the peer. */
  private async retrying<T>(what: string, task: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await task();
      } catch (error) {
        if (!(error instanceof ServiceUnreachableError) || this.stopping.signal.aborted) throw error;
        this.log.warn('service-unreachable', `${what}: ${error.message}; retrying`, { attempt });
        await this.pause(attempt);
      }
    }
  }

  private pause(attempt: number): Promise<void> {
    const ms = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(attempt - 1, 5));
    return sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }
}
