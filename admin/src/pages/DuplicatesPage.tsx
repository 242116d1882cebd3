import { useCallback, useEffect, useState } from 'react';
import { Box, Flex, Grid, Typography } from '@strapi/design-system';
import { Layouts, Page, useNotification, useRBAC } from '@strapi/strapi/admin';
import type { DismissDuplicates, DuplicateGroup, DuplicateNoticeView, DuplicatesResponse } from '../../../server/src/contracts/http';
import { PERMISSIONS } from '../../../server/src/contracts/permissions';
import { errorMessage, useImageSearchApi } from '../api/client';
import { ContentTypeFilter } from '../components/ContentTypeFilter';
import { DecisionSummary } from '../components/DecisionSummary';
import { DuplicateGroupCard } from '../components/DuplicateGroupCard';
import { ErrorBanner } from '../components/ErrorBanner';
import { MergeDialog } from '../components/MergeDialog';
import { Pager } from '../components/Pager';
import { RecentDuplicates } from '../components/RecentDuplicates';
import { ThresholdField } from '../components/ThresholdField';
import { useContentTypes } from '../hooks/useContentTypes';
import { usePagedFilters } from '../hooks/usePagedFilters';
import { useTranslate } from '../hooks/useTranslate';

const PAGE_SIZE = 10;
/** As Strapi's useRBAC takes them: a list; `allowedActions.canResolve` answers. */
const RESOLVE_PERMISSIONS = [...PERMISSIONS.resolve];

/** "What in my library is duplicated?": groups of near-duplicates, and resolving them without breaking entries. */
export const DuplicatesPage = () => {
  const t = useTranslate();
  const api = useImageSearchApi();
  const { toggleNotification } = useNotification();
  const { allowedActions } = useRBAC(RESOLVE_PERMISSIONS);
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

  const dismiss = async (group: DuplicateGroup, decision: DismissDuplicates['decision']) => {
    try {
      await api.dismiss({ fileIds: group.files.map((file) => file.id), decision });
      toggleNotification({
        type: 'success',
        message:
          decision === 'keep-both'
            ? t('duplicates.keptBoth', 'Kept as they are: this group will not come back, even if the same files are uploaded again')
            : t('duplicates.dismissed', 'Marked as not duplicates: this group will not come back, even if the same files are uploaded again'),
      });
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) ?? t('duplicates.dismiss.error', 'Could not mark the group') });
    }
    load();
  };

  const pagination = result?.meta.pagination;

  return (
    <Page.Main>
      <Page.Title>{t('duplicates.title', 'Duplicates')}</Page.Title>
      <Layouts.Header
        title={t('duplicates.title', 'Duplicates')}
        subtitle={
          pagination
            ? t('duplicates.subtitle', '{total, plural, one {# group} other {# groups}} of near-duplicate media', { total: pagination.total })
            : undefined
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
            <Grid.Root gap={6}>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <ThresholdField
                  label={t('duplicates.threshold', 'Similarity that counts as a duplicate')}
                  hint={t('duplicates.threshold.hint', 'Starts at the site setting ({merge}), where copies are kept and merged. Raise it to see only the closest copies.', {
                    merge: result ? result.meta.mergeThreshold.toFixed(2) : '…',
                  })}
                  min={result?.meta.mergeThreshold}
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
            {result && (
              <Box paddingTop={4}>
                <DecisionSummary meta={result.meta} />
              </Box>
            )}
          </Box>
          {notices.length > 0 && <RecentDuplicates notices={notices} />}
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
            <DuplicateGroupCard
              key={`${group.id}-${group.files.map((file) => file.id).join('-')}`}
              group={group}
              contentTypes={contentTypes}
              canResolve={allowedActions.canResolve}
              onResolve={(keeperId) => setConfirming({ group, keeperId })}
              onDismiss={(decision) => dismiss(group, decision)}
            />
          ))}
          {pagination && pagination.pageCount > 1 && (
            <Pager page={pagination.page} hasMore={pagination.page < pagination.pageCount} pageCount={pagination.pageCount} onChange={setPage} />
          )}
        </Flex>
      </Layouts.Content>
      <MergeDialog
        discarded={confirming ? confirming.group.files.filter((file) => file.id !== confirming.keeperId) : []}
        onConfirm={resolve}
        onCancel={() => setConfirming(undefined)}
      />
    </Page.Main>
  );
};
