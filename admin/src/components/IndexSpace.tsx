import { useIntl } from 'react-intl';
import type { IndexSpace, WhiteningFit } from '../../../server/src/contracts/http';
import { useTranslate } from '../hooks/useTranslate';
import { Figure } from './StatusCards';

/** The space the index's vectors are in: learned from the library, or the model's own, and why. */
export const SpaceFigure = ({ space, whitening }: { space: IndexSpace; whitening: WhiteningFit | null }) => {
  const t = useTranslate();
  const { formatDate, formatNumber } = useIntl();
  const thresholds = t('status.space.thresholds', 'Duplicates from a similarity of {duplicate}, search results from {search}', {
    duplicate: space.thresholds.duplicate.toFixed(2),
    search: space.thresholds.search.toFixed(2),
  });
  if (space.learnedFrom !== null) {
    return (
      <Figure
        label={t('status.space.label', 'Vectors')}
        value={t('status.space.learned', 'Whitened for this library ({dim} dimensions)', { dim: space.dim })}
        hint={`${t('status.space.learnedFrom', 'Learned from {images} of its images on {time}', {
          images: formatNumber(space.learnedFrom),
          time: space.learnedAt ? formatDate(space.learnedAt, { dateStyle: 'short', timeStyle: 'short' }) : '…',
        })}. ${thresholds}.`}
      />
    );
  }
  const why =
    whitening?.state === 'too-few'
      ? t('status.space.tooFew', 'Too few images to learn from yet ({reason}); the index learns by itself once the library has grown', { reason: whitening.reason ?? '' })
      : whitening?.state === 'failed' || whitening?.state === 'interrupted'
        ? t('status.space.failed', 'Learning did not finish ({reason}); a rebuild tries again', { reason: whitening.reason ?? whitening.state })
        : t('status.space.notYet', 'The index learns its whitening at the next rebuild, or by itself once the library has enough images');
  return (
    <Figure
      label={t('status.space.label', 'Vectors')}
      value={t('status.space.identity', "The model's own ({dim} dimensions)", { dim: space.dim })}
      hint={`${why}. ${thresholds}.`}
    />
  );
};
