import { Box, Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import type { DuplicateNoticeView } from '../../../server/src/contracts/http';
import { useTranslate } from '../hooks/useTranslate';
import { assetUrl } from './FileCard';
import { DUPLICATE_KIND_WORDING } from '../../../server/src/contracts/duplicate-kinds';

/** Upload-time notices: files whose indexing found a near-duplicate already in the library. */
export const RecentDuplicates = ({ notices }: { notices: DuplicateNoticeView[] }) => {
  const { formatNumber, formatDate } = useIntl();
  const t = useTranslate();
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-testid="recent-duplicates">
      <Typography variant="delta" tag="h2">
        {t('duplicates.recent', 'Recent uploads that look like files already in the library')}
      </Typography>
      <Flex direction="column" alignItems="stretch" gap={3} paddingTop={4}>
        {notices.map((notice) => (
          <Flex key={notice.file.id} gap={3}>
            <img src={assetUrl(notice.file.thumbnailUrl)} alt="" width={40} height={40} style={{ objectFit: 'cover', borderRadius: 4 }} />
            <Typography>
              <Typography fontWeight="bold">{notice.file.name}</Typography> {t('duplicates.recent.like', 'looks like')}{' '}
              {notice.duplicates
                .map((d) => {
                  const similarity = formatNumber(d.similarity, { style: 'percent', maximumFractionDigits: 0 });
                  return `${d.file.name} (${d.kind ? `${t(`kind.${d.kind}`, DUPLICATE_KIND_WORDING[d.kind])}, ${similarity}` : similarity})`;
                })
                .join(', ')}
            </Typography>
            <Typography variant="pi" textColor="neutral500">
              {formatDate(notice.at, { dateStyle: 'short', timeStyle: 'short' })}
            </Typography>
          </Flex>
        ))}
      </Flex>
    </Box>
  );
};
