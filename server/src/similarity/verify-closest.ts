import type { DuplicateKind } from '../contracts/duplicate-kinds';

/**
 * How far down its candidates a file is verified, closest first: until it has VERIFICATION_BUDGET.duplicates
 * verified duplicates, or made VERIFICATION_BUDGET.checks checks. A burst of copies of one photo stops after the
 * first few, each a duplicate (a check costs 10–15 ms of CPU); a copy whose closest candidates are other
 * photos sharing its edit (the same screenshot window, the same caption) goes on to its original. On the quality
 * benchmark this finds 1.7 points more true pairs than verifying the closest 6 alone, for 7% more checks.
 */
export const VERIFICATION_BUDGET = { duplicates: 6, checks: 10 } as const;

/** What the duplicate decision answers for one candidate (its Judgement); null: no answer. */
type Answer = { duplicate: true; kind: DuplicateKind } | { duplicate: false } | null;

/** The verified duplicates among `candidates` (closest first), and how many had no answer. `budget`: the benchmark's levers. */
export async function verifyClosest<C>(
  candidates: readonly C[],
  judge: (candidate: C) => Promise<Answer>,
  budget: { duplicates: number; checks: number } = VERIFICATION_BUDGET
): Promise<{ duplicates: Array<C & { kind: DuplicateKind }>; unverified: number }> {
  const duplicates: Array<C & { kind: DuplicateKind }> = [];
  let unverified = 0;
  let checks = 0;
  // One after another: each check is CPU work on this thread, and the file's own features are reused.
  for (const candidate of candidates) {
    if (duplicates.length >= budget.duplicates || checks >= budget.checks) break;
    checks++;
    const judgement = await judge(candidate);
    if (judgement === null) unverified++;
    else if (judgement.duplicate) duplicates.push({ ...candidate, kind: judgement.kind });
  }
  return { duplicates, unverified };
}
