/**
 * What a verified pair of images is to each other, as the duplicate decision names it (verification/verify-pair.ts).
 * Shared by the index events, the HTTP contracts, the config and the admin.
 */
export const DUPLICATE_KINDS = ['identical', 'resized', 'cropped', 'edited', 'mirrored', 'similar'] as const;

export type DuplicateKind = (typeof DUPLICATE_KINDS)[number];

/** Kinds that count as duplicates unless `search.duplicateKinds` says otherwise: every copy, not a second shot. */
export const DEFAULT_DUPLICATE_KINDS: readonly DuplicateKind[] = ['identical', 'resized', 'cropped', 'edited', 'mirrored'];

export const DUPLICATE_KIND_WORDING: Record<DuplicateKind, string> = {
  identical: 'the same bytes',
  resized: 'resized or re-encoded',
  cropped: 'cropped, or framed by borders or a screenshot',
  edited: 'edited: an overlay, a colour change or greyscale',
  mirrored: 'mirrored',
  similar: 'the same scene, a different shot',
};

/** An editor's mark on files the review groups: not copies at all, or copies kept on purpose (both leave the review for good). */
export const DISMISS_DECISIONS = ['not-duplicates', 'keep-both'] as const;
