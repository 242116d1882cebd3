import { useIntl } from 'react-intl';
import { trad } from '../translations/prefix';

/** The plugin's messages: `t(id, defaultMessage, values)`, the id under the plugin's prefix. */
export function useTranslate() {
  const { formatMessage } = useIntl();
  return (id: string, defaultMessage: string, values?: Record<string, string | number>) => formatMessage({ id: trad(id), defaultMessage }, values);
}
