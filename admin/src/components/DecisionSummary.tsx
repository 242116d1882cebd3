import { Typography } from '@strapi/design-system';
import type { DuplicatesResponse } from '../../../server/src/contracts/http';
import { DUPLICATE_KIND_WORDING } from '../../../server/src/contracts/duplicate-kinds';
import { useTranslate } from '../hooks/useTranslate';

/** The site's duplicate decision in words: its threshold, and the kinds of copy it counts. */
export const DecisionSummary = ({ meta }: { meta: DuplicatesResponse['meta'] }) => {
  const t = useTranslate();
  const copies = meta.kinds.filter((kind) => kind !== 'similar').map((kind) => t(`kind.${kind}`, DUPLICATE_KIND_WORDING[kind]));
  return (
    <Typography variant="pi" textColor="neutral600" data-testid="decision-words">
      {t(
        'duplicates.decision',
        'Two files are duplicates when their similarity is at least {threshold} and their keypoints show that one is a copy of the other: {kinds}.',
        {
          threshold: meta.mergeThreshold.toFixed(2),
          kinds: copies.join('; '),
        }
      )}{' '}
      {meta.kinds.includes('similar')
        ? t('duplicates.decision.similar', 'Different shots of one scene count as duplicates too.')
        : t('duplicates.decision.notSimilar', 'Different shots of one scene do not.')}
    </Typography>
  );
};
