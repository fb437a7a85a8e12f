/** What the privacy tests search for frames in: fragments only a frame could leave, and every table's rows. */
import { expect } from '@jest/globals';
import { DataSource } from 'typeorm';
import type { WireFrame } from '../../src/liveness/client/liveness-client';
import type { TestApp } from './test-app';

/**
 * Byte patterns that only a frame could leave: runs from the middle of each JPEG (its entropy-coded data,
 * unique to the picture), raw, as hex and as base64 taken from the middle of the submitted string.
 */
export function framePatterns(frames: readonly WireFrame[]): { text: string[]; bytes: Buffer[] } {
  const text: string[] = [];
  const bytes: Buffer[] = [];
  for (const frame of frames) {
    const raw = Buffer.from(frame.jpeg, 'base64');
    const middle = raw.subarray(Math.floor(raw.length / 2), Math.floor(raw.length / 2) + 24);
    bytes.push(middle);
    text.push(
      middle.toString('hex'),
      frame.jpeg.slice(Math.floor(frame.jpeg.length / 2), Math.floor(frame.jpeg.length / 2) + 32),
    );
  }
  return { text, bytes };
}

/** Every row of every table, as JSON text. */
export async function dumpAllRows(t: TestApp): Promise<string> {
  const db = t.app.get(DataSource);
  const tables: { name: string }[] =
    db.options.type === 'postgres'
      ? await db.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`)
      : await db.query(`SELECT name FROM sqlite_master WHERE type = 'table'`);
  expect(tables.map((table) => table.name)).toEqual(
    expect.arrayContaining(['challenges', 'tokens', 'liveness_attempts']),
  );
  const dumps: string[] = [];
  for (const { name } of tables) dumps.push(JSON.stringify(await db.query(`SELECT * FROM "${name}"`)));
  return dumps.join('\n');
}
