import { Button, Flex, Typography } from '@strapi/design-system';
import { ArrowLeft, ArrowRight } from '@strapi/icons';
import { useTranslate } from '../hooks/useTranslate';

/** Previous / next under a paged list, with "Page n of m" when the total is known. */
export const Pager = ({ page, hasMore, pageCount, onChange }: { page: number; hasMore: boolean; pageCount?: number; onChange: (page: number) => void }) => {
  const t = useTranslate();
  return (
    <Flex justifyContent="flex-end" gap={2}>
      {pageCount !== undefined && (
        <Typography textColor="neutral600">{t('pagination.of', 'Page {page} of {count}', { page, count: pageCount })}</Typography>
      )}
      <Button variant="tertiary" startIcon={<ArrowLeft />} disabled={page === 1} onClick={() => onChange(page - 1)}>
        {t('pagination.previous', 'Previous')}
      </Button>
      <Button variant="tertiary" endIcon={<ArrowRight />} disabled={!hasMore} onClick={() => onChange(page + 1)}>
        {t('pagination.next', 'Next')}
      </Button>
    </Flex>
  );
};
