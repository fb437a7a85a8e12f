/**
 * Verdicts committed and not yet revealed, one file each under `DIR/pending`, written before the commit is
 * sent: a peer restarted between commit and reveal can still reveal what it committed to.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../../protocol/peer-protocol';

export interface PendingVerdict {
  jobId: string;
  verdict: Verdict;
  salt: string;
  commitment: string;
}

const JOB_ID = /^[0-9a-f-]{36}$/;

export class PendingVerdicts {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'pending');
  }

  save(pending: PendingVerdict): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(pending.jobId);
    // Written whole, then renamed: a crash never leaves half a verdict behind.
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(pending), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
  }

  load(jobId: string): PendingVerdict | null {
    try {
      return JSON.parse(fs.readFileSync(this.file(jobId), 'utf8')) as PendingVerdict;
    } catch {
      return null;
    }
  }

  remove(jobId: string): void {
    fs.rmSync(this.file(jobId), { force: true });
  }

  private file(jobId: string): string {
    if (!JOB_ID.test(jobId)) throw new RangeError(`not a job id: ${jobId}`);
    return path.join(this.dir, `${jobId}.json`);
  }
}
