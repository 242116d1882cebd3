import { useCallback, useEffect, useState } from 'react';
import { Button, Flex, Grid } from '@strapi/design-system';
import { ArrowClockwise, Play } from '@strapi/icons';
import { Layouts, Page, useNotification, useRBAC } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import type { IndexStatus } from '../../../server/src/contracts/http';
import { PERMISSIONS } from '../../../server/src/contracts/permissions';
import { useImageSearchApi } from '../api/client';
import { ErrorBanner } from '../components/ErrorBanner';
import { FailuresTable } from '../components/FailuresTable';
import { SpaceFigure } from '../components/IndexSpace';
import { Figure, Progress } from '../components/StatusCards';
import { useTranslate } from '../hooks/useTranslate';

const REFRESH_MS = 5000;
/** As Strapi's useRBAC takes them: a list; `allowedActions.canManage` answers. */
const MANAGE_PERMISSIONS = [...PERMISSIONS.manage];

export const IndexStatusPage = () => {
  const { formatDate, formatNumber } = useIntl();
  const t = useTranslate();
  const api = useImageSearchApi();
  const [status, setStatus] = useState<IndexStatus>();
  const [failed, setFailed] = useState(false);
  const [busy, setBusy] = useState<'reconcile' | 'rebuild' | 'scan'>();
  const { toggleNotification } = useNotification();
  const { allowedActions } = useRBAC(MANAGE_PERMISSIONS);

  const refresh = useCallback(async () => {
    try {
      setStatus(await api.getStatus());
      setFailed(false);
    } catch {
      setFailed(true);
    }
  }, []);

  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  /** Runs a maintenance action and says how it went. */
  const run = async <T,>(action: 'reconcile' | 'rebuild' | 'scan', call: () => Promise<T>, done: (result: T) => string, error: string) => {
    setBusy(action);
    try {
      toggleNotification({ type: 'success', message: done(await call()) });
      await refresh();
    } catch {
      toggleNotification({ type: 'danger', message: error });
    } finally {
      setBusy(undefined);
    }
  };
  const reconcile = () =>
    run(
      'reconcile',
      api.reconcile,
      (report) =>
        t('status.reconcile.done', '{checked} images checked: {queued} queued for indexing, {moved} queued to move, {orphansDeleted} orphan vectors deleted', {
          ...report,
        }),
      t('status.reconcile.error', 'Could not reconcile the index')
    );
  const rebuild = () =>
    run(
      'rebuild',
      api.rebuild,
      ({ queued, learning }) =>
        learning
          ? t('status.rebuild.learning', 'Rebuilding: the index first learns its whitening from a sample of the library')
          : t('status.rebuild.started', 'Rebuilding: {queued} images queued for the new index', { queued }),
      t('status.rebuild.error', 'Could not start the rebuild')
    );

  const scanDuplicates = () =>
    run(
      'scan',
      api.scanDuplicates,
      ({ total }) => t('status.duplicateScan.started', 'Finding duplicates among {total} images', { total }),
      t('status.duplicateScan.error', 'Could not start the duplicate scan')
    );

  if (failed && !status) return <ErrorBanner message={t('status.error', 'Could not load the index status')} />;
  if (!status) return <Page.Loading />;

  // Indexed or failed for good: what is no longer waiting.
  const done = status.index.reachable && status.library.images > 0 ? 1 - status.index.pending / status.library.images : 1;
  const rebuildTotal = status.index.reachable ? status.index.vectors : 0;
  const worker = !status.worker.inProcess
    ? t('status.worker.external', 'Runs as a separate process')
    : status.worker.running
      ? t('status.worker.running', 'Running in this Strapi process')
      : t('status.worker.stopped', 'Not running in this process');

  return (
    <Page.Main>
      <Page.Title>{t('plugin.name', 'Image search')}</Page.Title>
      <Layouts.Header
        title={t('status.title', 'Index status')}
        subtitle={t('status.model', 'Model {model}', { model: status.model })}
        primaryAction={
          <Flex gap={2}>
            <Button variant="secondary" startIcon={<ArrowClockwise />} onClick={refresh}>
              {t('status.refresh', 'Refresh')}
            </Button>
            {allowedActions.canManage && (
              <>
                <Button variant="secondary" startIcon={<Play />} onClick={scanDuplicates} loading={busy === 'scan'} disabled={status.duplicateScan.state === 'running'}>
                  {t('status.duplicateScan', 'Find duplicates again')}
                </Button>
                <Button variant="secondary" startIcon={<Play />} onClick={rebuild} loading={busy === 'rebuild'} disabled={status.rebuild.active}>
                  {t('status.rebuild', 'Rebuild the index')}
                </Button>
                <Button startIcon={<Play />} onClick={reconcile} loading={busy === 'reconcile'}>
                  {t('status.reconcile', 'Reconcile the index')}
                </Button>
              </>
            )}
          </Flex>
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {!status.index.reachable && (
            <ErrorBanner message={t('status.index.unreachable', 'Milvus is not reachable: search is unavailable until it is back.')} />
          )}
          <Grid.Root gap={4}>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure label={t('status.library.images', 'Images in the library')} value={formatNumber(status.library.images)} />
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure
                label={t('status.index.files', 'Images indexed')}
                value={status.index.reachable ? formatNumber(status.index.files) : '—'}
                hint={
                  status.index.reachable
                    ? `${t('status.index.vectors', 'Vectors (one per content type using an image)')}: ${formatNumber(status.index.vectors)}`
                    : undefined
                }
              />
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure
                label={t('status.index.pending', 'Waiting to be indexed')}
                value={status.index.reachable ? formatNumber(status.index.pending) : '—'}
                hint={`${t('status.failures.count', 'Could not be indexed')}: ${formatNumber(status.failures.count)}`}
              />
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure
                label={t('status.outbox.pending', 'Events waiting for Kafka')}
                value={formatNumber(status.outbox.pending)}
                hint={
                  status.outbox.oldestPendingAt
                    ? t('status.outbox.oldest', 'Oldest waiting since {time}', {
                        time: formatDate(status.outbox.oldestPendingAt, { dateStyle: 'short', timeStyle: 'medium' }),
                      })
                    : undefined
                }
              />
            </Grid.Item>
          </Grid.Root>
          {status.index.reachable && status.library.images > 0 && <Progress title={t('status.progress', 'Searchable')} ratio={done} />}
          {status.rebuild.active && status.rebuild.learning && (
            <Progress
              title={t('status.rebuild.learningProgress', 'Learning the whitening: {done} of {total} sampled images edited and embedded; the new index is built after', {
                done: formatNumber(status.rebuild.learning.done),
                total: formatNumber(status.rebuild.learning.total),
              })}
              ratio={status.rebuild.learning.total > 0 ? Math.min(1, status.rebuild.learning.done / status.rebuild.learning.total) : 1}
            />
          )}
          {status.rebuild.active && !status.rebuild.learning && (
            <Progress
              title={t('status.rebuild.progress', 'Rebuilding: {vectors} of {total} vectors in the new index; searches use the current one until it is complete', {
                vectors: formatNumber(status.rebuild.vectors),
                total: formatNumber(rebuildTotal),
              })}
              ratio={rebuildTotal > 0 ? Math.min(1, status.rebuild.vectors / rebuildTotal) : 1}
            />
          )}
          {status.duplicateScan.state === 'running' && (
            <Progress
              title={t('status.duplicateScan.progress', 'Finding duplicates: {done} of {total} images scanned; the duplicates page shows what is found so far', {
                done: formatNumber(status.duplicateScan.done),
                total: formatNumber(status.duplicateScan.total),
              })}
              ratio={status.duplicateScan.total > 0 ? Math.min(1, status.duplicateScan.done / status.duplicateScan.total) : 1}
            />
          )}
          <Figure
            label={t('status.worker', 'Index worker')}
            value={worker}
            hint={
              status.worker.lag === null
                ? t('status.worker.lag.unknown', 'Kafka is not reachable: the backlog is unknown')
                : t('status.worker.lag', '{lag} media events not consumed yet', { lag: formatNumber(status.worker.lag) })
            }
          />
          {status.index.reachable && <SpaceFigure space={status.index.space} whitening={status.whitening} />}
          <Figure
            label={t('status.duplicateScan.label', 'Duplicate graph')}
            value={
              status.duplicateScan.state === 'complete'
                ? t('status.duplicateScan.complete', 'Up to date')
                : status.duplicateScan.state === 'running'
                  ? t('status.duplicateScan.running', 'Scanning')
                  : t('status.duplicateScan.needed', 'Scan needed')
            }
            hint={
              status.duplicateScan.state === 'needed'
                ? t('status.duplicateScan.needed.hint', 'Built with other settings (or never): a scan starts by itself within a minute')
                : status.duplicateScan.state === 'running'
                  ? t('status.duplicateScan.running.hint', 'Images indexed meanwhile bring their own pairs')
                  : t('status.duplicateScan.hint', 'Kept up to date as images are indexed; last full scan {time}', {
                    time: status.duplicateScan.finishedAt ? formatDate(status.duplicateScan.finishedAt, { dateStyle: 'short', timeStyle: 'short' }) : '…',
                  })
            }
          />
          {status.failures.recent.length > 0 && <FailuresTable failures={status.failures.recent} />}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};
