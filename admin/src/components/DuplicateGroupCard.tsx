import { useState } from 'react';
import { Box, Button, Flex, Grid, Radio, TextButton, Typography } from '@strapi/design-system';
import { Check, Cross, Duplicate, Eye } from '@strapi/icons';
import type { DismissDuplicates, DuplicateGroup, FileSummary } from '../../../server/src/contracts/http';
import type { ContentTypeInfo } from '../api/client';
import { useTranslate } from '../hooks/useTranslate';
import { FileCard, Label } from './FileCard';
import { DUPLICATE_KIND_WORDING } from '../../../server/src/contracts/duplicate-kinds';
import { PairMatchDialog } from './PairMatchDialog';

/** One group: its files side by side, the keeper to choose, and the three ways to settle it. */
export const DuplicateGroupCard = ({
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
  onDismiss: (decision: DismissDuplicates['decision']) => void;
}) => {
  const t = useTranslate();
  const [keeperId, setKeeperId] = useState(group.suggestedKeeperId);
  const [shownPair, setShownPair] = useState<{ a: FileSummary; b: FileSummary }>();
  const suggested = group.files.find((file) => file.id === group.suggestedKeeperId)!;
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6} data-testid={`group-${group.id}`}>
      <Flex justifyContent="space-between" paddingBottom={4} gap={4} wrap="wrap">
        <Typography variant="delta" tag="h2">
          {t('duplicates.group', '{count} copies', { count: group.files.length })}
        </Typography>
        {canResolve && (
          <Flex gap={2}>
            <Button variant="tertiary" startIcon={<Cross />} onClick={() => onDismiss('not-duplicates')}>
              {t('duplicates.dismiss', 'Not duplicates')}
            </Button>
            <Button variant="tertiary" startIcon={<Duplicate />} onClick={() => onDismiss('keep-both')}>
              {t('duplicates.keepBoth', 'Keep all')}
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
                badge={
                  file.id === group.suggestedKeeperId ? (
                    <Flex gap={2} wrap="wrap">
                      <Label tone="success">{t('duplicates.suggested', 'Suggested keeper')}</Label>
                      <Typography variant="pi" textColor="neutral600" data-testid="keeper-reason">
                        {group.keeperReason}
                      </Typography>
                    </Flex>
                  ) : (
                    <Flex direction="column" alignItems="flex-start" gap={1}>
                      {file.kind && (
                        <Label tone="neutral" data-testid="duplicate-kind">
                          {t(`kind.${file.kind}`, DUPLICATE_KIND_WORDING[file.kind])}
                        </Label>
                      )}
                      <TextButton startIcon={<Eye />} onClick={() => setShownPair({ a: suggested, b: file })} data-testid="show-match">
                        {t('duplicates.showMatch', 'Show matched points')}
                      </TextButton>
                    </Flex>
                  )
                }
                footer={canResolve ? <Radio.Item value={String(file.id)}>{t('duplicates.keep', 'Keep this one')}</Radio.Item> : undefined}
              />
            </Grid.Item>
          ))}
        </Grid.Root>
      </Radio.Group>
      <PairMatchDialog pair={shownPair} onClose={() => setShownPair(undefined)} />
    </Box>
  );
};
