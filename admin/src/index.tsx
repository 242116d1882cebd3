import { Search } from '@strapi/icons';
import { PERMISSIONS, PLUGIN_ID } from '../../server/src/contracts/permissions';
import { prefixTranslations } from './translations/prefix';

export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Search,
      intlLabel: { id: `${PLUGIN_ID}.plugin.name`, defaultMessage: 'Image search' },
      permissions: PERMISSIONS.read,
      Component: () => import('./pages/App'),
    });
    app.registerPlugin({ id: PLUGIN_ID, name: 'Image search' });
  },

  async registerTrads({ locales }: { locales: string[] }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = await import(`./translations/${locale}.json`);
          return { data: prefixTranslations(data), locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};
