/** Where a solution's spot checks first failed, and why. */
export interface SpotCheckFailure {
  index: number;
  reason: string;
}

export type SpotCheck = (index: number) => Promise<{ ok: boolean; reason?: string }>;

/**
 * Runs the spot checks of `indices` in order and stops at the first mismatch. The first check runs alone:
 * a garbage solution fails it almost surely, so it costs one inference. The rest run in at most `lanes`
 * parallel lanes (ModelRunnerService.lanes) and no check starts once one has failed, so a solution that
 * passes the first check wastes at most `lanes - 1` inferences already under way.
 */
export async function firstFailedSpotCheck(
  indices: readonly number[],
  check: SpotCheck,
  lanes: number,
): Promise<SpotCheckFailure | null> {
  let failure: SpotCheckFailure | null = null;
  let next = 0;
  const lane = async () => {
    while (failure === null && next < indices.length) {
      const index = indices[next++];
      const result = await check(index);
      if (!result.ok) failure ??= { index, reason: result.reason ?? 'mismatch' };
    }
  };
  if (indices.length === 0) return null;
  const first = indices[next++];
  const result = await check(first);
  if (!result.ok) return { index: first, reason: result.reason ?? 'mismatch' };
  const width = Math.max(1, Math.min(Math.floor(lanes), indices.length - 1));
  await Promise.all(Array.from({ length: width }, lane));
  return failure;
}
