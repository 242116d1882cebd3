import { Dialog, Flex, Typography } from '@strapi/design-system';
import { ConfirmDialog } from '@strapi/strapi/admin';
import type { DuplicateGroup } from '../../../server/src/contracts/http';
import { useTranslate } from '../hooks/useTranslate';

/** Asks before a merge, listing every entry field that will use the kept file instead of a deleted copy. */
export const MergeDialog = ({ discarded, onConfirm, onCancel }: { discarded: DuplicateGroup['files']; onConfirm: () => void; onCancel: () => void }) => {
  const t = useTranslate();
  const affected = discarded.flatMap((file) => file.usedBy);
  return (
    <Dialog.Root open={discarded.length > 0} onOpenChange={(open: boolean) => !open && onCancel()}>
      <ConfirmDialog title={t('duplicates.confirm.title', 'Merge these copies?')} onConfirm={onConfirm} variant="danger-light">
        <Flex direction="column" alignItems="stretch" gap={3}>
          <Typography>
            {t('duplicates.confirm.body', '{count} copies will be deleted. Every entry using them will use the kept file instead:', {
              count: discarded.length,
            })}
          </Typography>
          {affected.length === 0 ? (
            <Typography textColor="neutral600">{t('duplicates.confirm.none', 'No entry uses them.')}</Typography>
          ) : (
            <ul data-testid="affected-entries">
              {affected.map((use) => (
                <li key={`${use.contentType}/${use.documentId}/${use.field}/${use.status}/${use.locale}`}>
                  <Typography variant="omega">
                    {use.title ?? t('file.unreadableEntry', 'An entry you may not read')} · {use.field} ({use.status})
                  </Typography>
                </li>
              ))}
            </ul>
          )}
        </Flex>
      </ConfirmDialog>
    </Dialog.Root>
  );
};
