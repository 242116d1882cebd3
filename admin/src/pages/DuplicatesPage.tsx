import { useCallback, useEffect, useState } from 'react';
import { Box, Button, Dialog, Flex, Grid, Radio, Typography } from '@strapi/design-system';
import { Check, Cross } from '@strapi/icons';
import { ConfirmDialog, Layouts, Page, useNotification, useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import type { DuplicateGroup, DuplicateNoticeView, DuplicatesResponse } from '../../../server/src/contracts/http';
import { PERMISSIONS } from '../../../server/src/contracts/permissions';
import { errorMessage, useImageSearchApi, type ContentTypeInfo } from '../api/client';
import { ContentTypeFilter } from '../components/ContentTypeFilter';
import { ErrorBanner } from '../components/ErrorBanner';
import { assetUrl, FileCard, Label } from '../components/FileCard';
import { Pager } from '../components/Pager';
import { ThresholdField } from '../components/ThresholdField';
import { useContentTypes } from '../components/useContentTypes';
import { usePagedFilters } from '../components/usePagedFilters';
import { trad } from '../translations/prefix';

const PAGE_SIZE = 10;

/** One group: its files side by side, the keeper to choose, and the two ways to settle it. */
const Group = ({
  group,
  contentTypes,
  canResolve,
  onResolve,
  onDismiss,
}: {
  group: DuplicateGroup;
  contentTypes: Map<string, ContentTypeInfo>;
  canResolve: boolean;
  onResolve: (keeperId: number) => void;
  onDismiss: () => void;
}) => {
  const { formatMessage } = useIntl();
  const t = (id: string, defaultMessage: string) => formatMessage({ id: trad(id), defaultMessage });
  const [keeperId, setKeeperId] = useState(group.suggestedKeeperId);
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-testid={`group-${group.id}`}>
      <Flex justifyContent="space-between" paddingBottom={4} gap={4} wrap="wrap">
        <Typography variant="delta" tag="h2">
          {formatMessage({ id: trad('duplicates.group'), defaultMessage: '{count} copies' }, { count: group.files.length })}
        </Typography>
        {canResolve && (
          <Flex gap={2}>
            <Button variant="tertiary" startIcon={<Cross />} onClick={onDismiss}>
              {t('duplicates.dismiss', 'Not duplicates')}
            </Button>
            <Button startIcon={<Check />} onClick={() => onResolve(keeperId)}>
              {t('duplicates.resolve', 'Keep selected, merge the others')}
            </Button>
          </Flex>
        )}
      </Flex>
      <Radio.Group value={String(keeperId)} onValueChange={(value: string) => setKeeperId(Number(value))} aria-label={t('duplicates.keeper', 'Copy to keep')}>
        <Grid.Root gap={4}>
          {group.files.map((file) => (
            <Grid.Item key={file.id} col={3} m={4} s={6} xs={12} direction="column" alignItems="stretch">
              <FileCard
                file={file}
                similarity={file.id === group.suggestedKeeperId ? undefined : file.similarity}
                contentTypes={contentTypes}
                highlighted={file.id === keeperId}
                badge={file.id === group.suggestedKeeperId ? <Label tone="success">{t('duplicates.suggested', 'Suggested keeper')}</Label> : undefined}
                footer={canResolve ? <Radio.Item value={String(file.id)}>{t('duplicates.keep', 'Keep this one')}</Radio.Item> : undefined}
              />
            </Grid.Item>
          ))}
        </Grid.Root>
      </Radio.Group>
    </Box>
  );
};

/** Upload-time notices: files whose indexing found a near-duplicate already in the library. */
const RecentNotices = ({ notices }: { notices: DuplicateNoticeView[] }) => {
  const { formatMessage, formatNumber, formatDate } = useIntl();
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-testid="recent-duplicates">
      <Typography variant="delta" tag="h2">
        {formatMessage({ id: trad('duplicates.recent'), defaultMessage: 'Recent uploads that look like files already in the library' })}
      </Typography>
      <Flex direction="column" alignItems="stretch" gap={3} paddingTop={4}>
        {notices.map((notice) => (
          <Flex key={notice.file.id} gap={3}>
            <img src={assetUrl(notice.file.thumbnailUrl)} alt="" width={40} height={40} style={{ objectFit: 'cover', borderRadius: 4 }} />
            <Typography>
              <Typography fontWeight="bold">{notice.file.name}</Typography>{' '}
              {formatMessage({ id: trad('duplicates.recent.like'), defaultMessage: 'looks like' })}{' '}
              {notice.duplicates.map((d) => `${d.file.name} (${formatNumber(d.similarity, { style: 'percent', maximumFractionDigits: 0 })})`).join(', ')}
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

/** "What in my library is duplicated?": groups of near-duplicates, and resolving them without breaking entries. */
export const DuplicatesPage = () => {
  const { formatMessage } = useIntl();
  const t = (id: string, defaultMessage: string, values?: Record<string, string | number>) => formatMessage({ id: trad(id), defaultMessage }, values);
  const api = useImageSearchApi();
  const { toggleNotification } = useNotification();
  const { allowedActions } = useRBAC({ resolve: [...PERMISSIONS.resolve] });
  const { page, setPage, threshold, setThreshold, scope, setScope } = usePagedFilters();
  const [result, setResult] = useState<DuplicatesResponse>();
  const [failure, setFailure] = useState<string>();
  const [confirming, setConfirming] = useState<{ group: DuplicateGroup; keeperId: number }>();
  const [notices, setNotices] = useState<DuplicateNoticeView[]>([]);
  const contentTypes = useContentTypes();

  const load = useCallback(async () => {
    try {
      api.recentDuplicates().then(setNotices, () => undefined);
      setResult(await api.duplicates({ page, pageSize: PAGE_SIZE, threshold, contentType: scope }));
      setFailure(undefined);
    } catch (error) {
      setFailure(errorMessage(error) ?? t('duplicates.error', 'Could not load the duplicates'));
    }
  }, [page, threshold, scope]);

  useEffect(() => {
    load();
  }, [load]);

  const resolve = async () => {
    if (!confirming) return;
    const { group, keeperId } = confirming;
    try {
      const report = await api.resolve({ keeperId, discardIds: group.files.map((file) => file.id).filter((id) => id !== keeperId) });
      toggleNotification({
        type: 'success',
        message: t('duplicates.resolved', '{deleted} copies deleted, {entries} entry fields now use the kept file', {
          deleted: report.deleted.length,
          entries: report.repointed.length,
        }),
      });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('duplicates.resolve.error', 'Could not resolve the group') });
    }
    setConfirming(undefined);
    load();
  };

  const dismiss = async (group: DuplicateGroup) => {
    try {
      await api.dismiss({ fileIds: group.files.map((file) => file.id) });
      toggleNotification({ type: 'success', message: t('duplicates.dismissed', 'Marked as not duplicates: this group will not come back') });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('duplicates.dismiss.error', 'Could not mark the group') });
    }
    load();
  };

  const discarded = confirming ? confirming.group.files.filter((file) => file.id !== confirming.keeperId) : [];
  const affected = discarded.flatMap((file) => file.usedBy);
  const pagination = result?.meta.pagination;

  return (
    <Page.Main>
      <Page.Title>{t('duplicates.title', 'Duplicates')}</Page.Title>
      <Layouts.Header
        title={t('duplicates.title', 'Duplicates')}
        subtitle={pagination ? t('duplicates.subtitle', '{total, plural, one {# group} other {# groups}} of near-duplicate media', { total: pagination.total }) : undefined}
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
            <Grid.Root gap={6}>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <ThresholdField
                  label={t('duplicates.threshold', 'Similarity that counts as a duplicate')}
                  hint={
                    result && result.meta.threshold < result.meta.mergeThreshold
                      ? t('duplicates.threshold.merge', 'Groups below {merge} are shown, but a merge needs copies at {merge} or more (the site setting).', { merge: result.meta.mergeThreshold.toFixed(2) })
                      : t('duplicates.threshold.hint', 'Starts at the site setting, where a merge is allowed. Raise it to see only the closest copies.')
                  }
                  value={threshold ?? result?.meta.threshold}
                  onChange={setThreshold}
                />
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <ContentTypeFilter
                  label={t('duplicates.scope', 'Content types')}
                  hint={t('duplicates.scope.hint', 'Only duplicates among media used by entries of these content types')}
                  placeholder={t('duplicates.scope.all', 'Whole library')}
                  contentTypes={contentTypes}
                  value={scope}
                  onChange={setScope}
                />
              </Grid.Item>
            </Grid.Root>
          </Box>
          {notices.length > 0 && <RecentNotices notices={notices} />}
          {failure && <ErrorBanner message={failure} />}
          {!result && !failure && <Page.Loading />}
          {result?.data.length === 0 && (
            <Box background="neutral0" hasRadius shadow="tableShadow" padding={8}>
              <Typography variant="delta" tag="p" textAlign="center">
                {t('duplicates.none', 'No duplicates at this similarity')}
              </Typography>
            </Box>
          )}
          {result?.data.map((group) => (
            <Group
              key={`${group.id}-${group.files.map((file) => file.id).join('-')}`}
              group={group}
              contentTypes={contentTypes}
              canResolve={allowedActions.canResolve}
              onResolve={(keeperId) => setConfirming({ group, keeperId })}
              onDismiss={() => dismiss(group)}
            />
          ))}
          {pagination && pagination.pageCount > 1 && (
            <Pager page={pagination.page} hasMore={pagination.page < pagination.pageCount} pageCount={pagination.pageCount} onChange={setPage} />
          )}
        </Flex>
      </Layouts.Content>
      <Dialog.Root open={!!confirming} onOpenChange={(open: boolean) => !open && setConfirming(undefined)}>
        <ConfirmDialog title={t('duplicates.confirm.title', 'Merge these copies?')} onConfirm={resolve} variant="danger-light">
          <Flex direction="column" alignItems="stretch" gap={3}>
            <Typography>
              {t('duplicates.confirm.body', '{count} copies will be deleted. Every entry using them will use the kept file instead:', { count: discarded.length })}
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
    </Page.Main>
  );
};
