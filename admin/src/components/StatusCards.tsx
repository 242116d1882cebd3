import { Box, Flex, Typography } from '@strapi/design-system';
import { useIntl } from 'react-intl';

/** One figure of the index, with its label and an optional hint. */
export const Figure = ({ label, value, hint }: { label: string; value: string | number; hint?: string }) => (
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

/** A labelled progress bar. */
export const Progress = ({ title, ratio }: { title: string; ratio: number }) => {
  const { formatNumber } = useIntl();
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" padding={6}>
      <Flex justifyContent="space-between" paddingBottom={3} gap={4}>
        <Typography variant="delta" tag="h2">
          {title}
        </Typography>
        <Typography textColor="neutral600">{formatNumber(ratio, { style: 'percent', maximumFractionDigits: 0 })}</Typography>
      </Flex>
      <Box background="neutral150" hasRadius height="0.8rem" overflow="hidden">
        <Box background="primary600" height="100%" style={{ width: `${100 * ratio}%`, transition: 'width 0.5s' }} />
      </Box>
    </Box>
  );
};
