import { Box, Typography } from '@strapi/design-system';

/** A failure the page could not get past, in the admin's danger colours. */
export const ErrorBanner = ({ message, testId }: { message: string; testId?: string }) => (
  <Box background="danger100" padding={4} hasRadius>
    <Typography textColor="danger700" data-testid={testId}>
      {message}
    </Typography>
  </Box>
);
