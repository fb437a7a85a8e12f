import type { OnModuleDestroy } from '@nestjs/common';
import { Injectable } from '@nestjs/common';

/** A wait for work, registered before looking for it so that work arriving in between is not missed. */
export interface JobWait {
  /** Resolves when notified, after `ms`, or at shutdown, whichever comes first. */
  until(ms: number): Promise<void>;
  cancel(): void;
}

/**
 * Wakes a peer's long-poll when a job for it appears in this process. Across instances nothing is
 * signalled: the poll times out and the peer polls again, so a job reaches a peer within one poll interval.
 */
@Injectable()
export class JobNotifier implements OnModuleDestroy {
  private readonly waiting = new Map<string, Set<() => void>>();
  private closingValue = false;

  subscribe(peerId: string): JobWait {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const cancel = () => {
      const set = this.waiting.get(peerId);
      set?.delete(wake);
      if (set?.size === 0) this.waiting.delete(peerId);
    };
    if (this.closingValue) wake();
    else this.add(peerId, wake);
    return {
      until: async (ms) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
        await Promise.race([woken, timeout]);
        clearTimeout(timer);
        cancel();
      },
      cancel,
    };
  }

  /** Peers whose long-poll is waiting in this process right now. */
  waitingPeers(): number {
    return this.waiting.size;
  }

  /** True once the application is shutting down. */
  get closing(): boolean {
    return this.closingValue;
  }

  notify(peerIds: Iterable<string>): void {
    for (const peerId of peerIds) {
      const set = this.waiting.get(peerId);
      this.waiting.delete(peerId);
      for (const wake of set ?? []) wake();
    }
  }

  /** Before the HTTP server closes: open long-polls answer now instead of holding the shutdown for 30 s. */
  onModuleDestroy(): void {
    this.closingValue = true;
    this.notify([...this.waiting.keys()]);
  }

  private add(peerId: string, wake: () => void): void {
    let set = this.waiting.get(peerId);
    if (!set) this.waiting.set(peerId, (set = new Set()));
    set.add(wake);
  }
}
