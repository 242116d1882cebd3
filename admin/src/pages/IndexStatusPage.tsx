import { useCallback, useEffect, useState } from 'react';
import { Box, Button, Flex, Grid, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { ArrowClockwise } from '@strapi/icons';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import type { IndexStatus } from '../../../server/src/contracts/http';
import { useImageSearchApi } from '../api/client';
import { trad } from '../translations/prefix';

const REFRESH_MS = 5000;

const Figure = ({ label, value, hint }: { label: string; value: string | number; hint?: string }) => (
  <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
    <Typography variant="omega" textColor="neutral600">
      {label}
    </Typography>
    <Box paddingTop={2}>
      <Typography variant="alpha" tag="p">
        {value}
      </Typography>
    </Box>
    {hint && (
      <Typography variant="pi" textColor="neutral500">
        {hint}
      </Typography>
    )}
  </Box>
);

export const IndexStatusPage = () => {
  const { formatMessage, formatDate, formatNumber } = useIntl();
  const api = useImageSearchApi();
  const [status, setStatus] = useState<IndexStatus>();
  const [failed, setFailed] = useState(false);

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

  if (failed && !status) return <Page.Error>{formatMessage({ id: trad('status.error'), defaultMessage: 'Could not load the index status' })}</Page.Error>;
  if (!status) return <Page.Loading />;

  const t = (id: string, defaultMessage: string, values?: Record<string, string>) => formatMessage({ id: trad(id), defaultMessage }, values);
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
          <Button variant="secondary" startIcon={<ArrowClockwise />} onClick={refresh}>
            {t('status.refresh', 'Refresh')}
          </Button>
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={6}>
          {!status.index.reachable && (
            <Box background="danger100" padding={4} hasRadius>
              <Typography textColor="danger700">{t('status.index.unreachable', 'Milvus is not reachable')}</Typography>
            </Box>
          )}
          <Grid.Root gap={4}>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure label={t('status.library.images', 'Images in the library')} value={formatNumber(status.library.images)} />
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure
                label={t('status.index.files', 'Images indexed')}
                value={status.index.reachable ? formatNumber(status.index.files) : '—'}
                hint={status.index.reachable ? `${t('status.index.vectors', 'Vectors')}: ${formatNumber(status.index.vectors)}` : undefined}
              />
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure label={t('status.failures.count', 'Could not be indexed')} value={formatNumber(status.failures.count)} />
            </Grid.Item>
            <Grid.Item col={3} s={12} direction="column" alignItems="stretch">
              <Figure
                label={t('status.outbox.pending', 'Events waiting for Kafka')}
                value={formatNumber(status.outbox.pending)}
                hint={
                  status.outbox.oldestPendingAt
                    ? t('status.outbox.oldest', 'Oldest waiting since {time}', { time: formatDate(status.outbox.oldestPendingAt, { dateStyle: 'short', timeStyle: 'medium' }) })
                    : undefined
                }
              />
            </Grid.Item>
          </Grid.Root>
          <Figure label={t('status.worker', 'Index worker')} value={worker} />
          {status.failures.recent.length > 0 && (
            <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
              <Typography variant="delta" tag="h2">
                {t('status.failures.title', 'Files that could not be indexed')}
              </Typography>
              <Box paddingTop={4}>
                <Table colCount={3} rowCount={status.failures.recent.length + 1}>
                  <Thead>
                    <Tr>
                      <Th>
                        <Typography variant="sigma">{t('status.failures.file', 'File')}</Typography>
                      </Th>
                      <Th>
                        <Typography variant="sigma">{t('status.failures.reason', 'Reason')}</Typography>
                      </Th>
                      <Th>
                        <Typography variant="sigma">{t('status.failures.at', 'When')}</Typography>
                      </Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {status.failures.recent.map((failure) => (
                      <Tr key={failure.fileId}>
                        <Td>
                          <Typography>{failure.name ?? t('status.failures.deleted', 'File {id} (deleted)', { id: String(failure.fileId) })}</Typography>
                        </Td>
                        <Td>
                          <Typography textColor="danger600">{failure.reason}</Typography>
                        </Td>
                        <Td>
                          <Typography textColor="neutral600">{formatDate(failure.at, { dateStyle: 'short', timeStyle: 'medium' })}</Typography>
                        </Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              </Box>
            </Box>
          )}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};
