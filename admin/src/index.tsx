import { Search } from '@strapi/icons';
import { PERMISSIONS, PLUGIN_ID } from '../../server/src/contracts/permissions';
import { prefixTranslations } from './translations/prefix';

/**
 * One literal import per locale: installed from npm, the admin's bundler pre-bundles the plugin with esbuild, which
 * leaves an import built from a template untouched, and the browser then fetched /admin/translations/en.json.
 */
const TRANSLATIONS: Record<string, () => Promise<{ default: Record<string, string> }>> = {
  en: () => import('./translations/en.json'),
};

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
        const load = TRANSLATIONS[locale];
        if (!load) return { data: {}, locale };
        try {
          const { default: data } = await load();
          return { data: prefixTranslations(data), locale };
        } catch (error) {
          // The pages still show their English default messages; the rest of the admin must not fail with them.
          console.error(`image-search: the ${locale} translations did not load`, error);
          return { data: {}, locale };
        }
      })
    );
  },
};
