import { useEffect, useState } from 'react';
import { Flex, Loader, Modal, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import type { DuplicatePairMatch, FileSummary } from '../../../server/src/contracts/http';
import { DUPLICATE_KIND_WORDING } from '../../../server/src/contracts/duplicate-kinds';
import { errorMessage, useImageSearchApi } from '../api/client';
import { useTranslate } from '../hooks/useTranslate';
import { assetUrl } from './FileCard';

/** The picture's height, in its own units; each image keeps its aspect. */
const HEIGHT = 360;
const GAP = 24;
/** Room under the images for their names. */
const CAPTION = 28;

/** An image's aspect once it has loaded (the browser applies its EXIF orientation, as verification does). */
function useAspect(url: string): number | undefined {
  const [aspect, setAspect] = useState<number>();
  useEffect(() => {
    const image = new Image();
    image.onload = () => setAspect(image.naturalWidth / image.naturalHeight);
    image.src = url;
    return () => void (image.onload = null);
  }, [url]);
  return aspect;
}

/** Two files side by side, with a line for each keypoint match the verification found between them. */
const MatchPicture = ({ a, b, match }: { a: FileSummary; b: FileSummary; match: DuplicatePairMatch }) => {
  const [urlA, urlB] = [assetUrl(a.url), assetUrl(b.url)];
  const [aspectA, aspectB] = [useAspect(urlA), useAspect(urlB)];
  if (!aspectA || !aspectB) return <Loader small />;
  const [widthA, widthB] = [HEIGHT * aspectA, HEIGHT * aspectB];
  return (
    <svg
      viewBox={`0 0 ${widthA + GAP + widthB} ${HEIGHT + CAPTION}`}
      style={{ width: '100%', maxHeight: '60vh' }}
      data-testid="match-picture"
      role="img"
      aria-label={`${a.name} / ${b.name}`}
    >
      <image href={urlA} width={widthA} height={HEIGHT} preserveAspectRatio="none" />
      <image href={urlB} x={widthA + GAP} width={widthB} height={HEIGHT} preserveAspectRatio="none" />
      {[
        [a.name, widthA / 2],
        [b.name, widthA + GAP + widthB / 2],
      ].map(([name, x]) => (
        <text key={x} x={x} y={HEIGHT + CAPTION - 8} textAnchor="middle" fontSize={14} fill="currentColor">
          {name}
        </text>
      ))}
      {match.points.map(([ax, ay, bx, by], i) => {
        const [x1, y1, x2, y2] = [ax * widthA, ay * HEIGHT, widthA + GAP + bx * widthB, by * HEIGHT];
        return (
          <g key={i} stroke="#5cb176" fill="#5cb176">
            <line x1={x1} y1={y1} x2={x2} y2={y2} strokeWidth={1.5} strokeOpacity={0.8} />
            <circle cx={x1} cy={y1} r={3} />
            <circle cx={x2} cy={y2} r={3} />
          </g>
        );
      })}
    </svg>
  );
};

/** Why the decision calls two files copies: verified now, in words and as a picture of the matched points. */
export const PairMatchDialog = ({ pair, onClose }: { pair?: { a: FileSummary; b: FileSummary }; onClose: () => void }) => {
  const t = useTranslate();
  const { formatNumber } = useIntl();
  const api = useImageSearchApi();
  const [match, setMatch] = useState<DuplicatePairMatch>();
  const [failure, setFailure] = useState<string>();
  useEffect(() => {
    setMatch(undefined);
    setFailure(undefined);
    if (!pair) return;
    let current = true;
    api.duplicatePair({ a: pair.a.id, b: pair.b.id }).then(
      (found) => current && setMatch(found),
      (error) => current && setFailure(errorMessage(error) ?? t('pair.failed', 'The pair could not be verified.'))
    );
    return () => void (current = false);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pair?.a.id, pair?.b.id]);

  return (
    <Modal.Root open={pair !== undefined} onOpenChange={(open: boolean) => !open && onClose()}>
      <Modal.Content style={{ maxWidth: '90vw', width: '960px' }}>
        <Modal.Header>
          <Modal.Title>{t('pair.title', 'Why these are copies')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          {failure ? (
            <Typography textColor="danger600">{failure}</Typography>
          ) : !match || !pair ? (
            <Loader small />
          ) : (
            <Flex direction="column" alignItems="stretch" gap={4}>
              <Typography data-testid="pair-verdict">
                {match.kind
                  ? t('pair.kind', '{second} against {first}: {kind}.', {
                      first: pair.a.name,
                      second: pair.b.name,
                      kind: t(`kind.${match.kind}`, DUPLICATE_KIND_WORDING[match.kind]),
                    })
                  : t('pair.none', '{second} and {first} are not one picture.', { first: pair.a.name, second: pair.b.name })}{' '}
                {match.counted
                  ? t('pair.counted', 'This site counts that as a duplicate.')
                  : t('pair.notCounted', 'This site does not count that as a duplicate.')}
              </Typography>
              {match.points.length > 0 && (
                <Typography variant="pi" textColor="neutral600" data-testid="pair-evidence">
                  {t('pair.evidence', '{inliers} keypoints match under one move, scale and turn{mirrored}; each line joins one pair ({drawn} drawn).', {
                    inliers: match.inliers,
                    drawn: match.points.length,
                    mirrored: match.mirrored ? t('pair.mirrored', ', mirrored') : '',
                  })}{' '}
                  {match.agreement !== null &&
                    t('pair.agreement', 'Where they overlap, {agreement} of the picture agrees in structure.', {
                      agreement: formatNumber(match.agreement, { style: 'percent', maximumFractionDigits: 0 }),
                    })}
                </Typography>
              )}
              {match.points.length > 0 ? (
                <MatchPicture a={pair.a} b={pair.b} match={match} />
              ) : match.kind === 'identical' ? (
                <Typography textColor="neutral600">{t('pair.identical', 'The two files hold the same bytes: there is nothing to match.')}</Typography>
              ) : null}
            </Flex>
          )}
        </Modal.Body>
      </Modal.Content>
    </Modal.Root>
  );
};
