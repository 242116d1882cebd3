import { Button, Flex, Typography } from '@strapi/design-system';
import { ArrowLeft, ArrowRight } from '@strapi/icons';
import { useIntl } from 'react-intl';
import { trad } from '../translations/prefix';

/** Previous / next under a paged list, with "Page n of m" when the total is known. */
export const Pager = ({ page, hasMore, pageCount, onChange }: { page: number; hasMore: boolean; pageCount?: number; onChange: (page: number) => void }) => {
  const { formatMessage } = useIntl();
  return (
    <Flex justifyContent="flex-end" gap={2}>
      {pageCount !== undefined && (
        <Typography textColor="neutral600">{formatMessage({ id: trad('pagination.of'), defaultMessage: 'Page {page} of {count}' }, { page, count: pageCount })}</Typography>
      )}
      <Button variant="tertiary" startIcon={<ArrowLeft />} disabled={page === 1} onClick={() => onChange(page - 1)}>
        {formatMessage({ id: trad('pagination.previous'), defaultMessage: 'Previous' })}
      </Button>
      <Button variant="tertiary" endIcon={<ArrowRight />} disabled={!hasMore} onClick={() => onChange(page + 1)}>
        {formatMessage({ id: trad('pagination.next'), defaultMessage: 'Next' })}
      </Button>
    </Flex>
  );
};
