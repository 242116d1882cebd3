import { Box, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';
import type { IndexStatus } from '../../../server/src/contracts/http';
import { useTranslate } from '../hooks/useTranslate';

/** The files the workers could not index, with the reason each failed. */
export const FailuresTable = ({ failures }: { failures: IndexStatus['failures']['recent'] }) => {
  const t = useTranslate();
  const { formatDate } = useIntl();
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
      <Typography variant="delta" tag="h2">
        {t('status.failures.title', 'Files that could not be indexed')}
      </Typography>
      <Box paddingTop={4}>
        <Table colCount={3} rowCount={failures.length + 1}>
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
            {failures.map((failure) => (
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
  );
};
