import type { Core } from '@strapi/strapi';
import { FILE_UID } from '../file-records';

/**
 * How media hang in Strapi's schema: the upload plugin's polymorphic join table (file, related type, related id,
 * field), and the join tables that hang component rows under their parents, nested at any depth. Fixed once
 * Strapi has loaded, so everything here is computed on first use and kept.
 */

interface JoinTable {
  name: string;
  joinColumn: { name: string };
  inverseJoinColumn?: { name: string };
  morphColumn?: { typeColumn: { name: string }; idColumn: { name: string } };
  on?: Record<string, string>;
}

/** One place where rows of component `child` hang under rows of `parent` (a content type or a component). */
export interface ComponentLink {
  parent: string;
  /** The parent's component or dynamic-zone attribute. */
  attribute: string;
  child: string;
  table: string;
  parentColumn: string;
  childColumn: string;
  where: Record<string, string>;
}

/** The upload plugin's join table: which file, in which row of which model, under which field. */
export interface FileJoinTable {
  name: string;
  file: string;
  type: string;
  id: string;
  field: string;
}

export interface MediaSchema {
  componentLinks(): ComponentLink[];
  fileJoinTable(): FileJoinTable;
  isContentType(uid: string): boolean;
  /** Whether rows of this content type or component can reference media, directly or through components. */
  holdsMedia(uid: string): boolean;
  /** The field the Content Manager shows an entry by; documentId when it has none to offer. */
  mainFieldOf(uid: string): Promise<string>;
}

type Attribute = { type: string; component?: string; components?: string[] };

export function createMediaSchema(strapi: Core.Strapi): MediaSchema {
  const joinTableOf = (uid: string, attribute: string) =>
    (strapi.db.metadata.get(uid as never).attributes as Record<string, { joinTable?: JoinTable }>)[attribute].joinTable as JoinTable;
  const schemas = () => ({ ...strapi.contentTypes, ...strapi.components }) as Record<string, { attributes: Record<string, Attribute> }>;
  let links: ComponentLink[] | undefined;
  let fileTable: FileJoinTable | undefined;
  const mediaHolders = new Map<string, boolean>();
  const mainFields = new Map<string, string>();

  function buildComponentLinks(): ComponentLink[] {
    const result: ComponentLink[] = [];
    for (const [parent, schema] of Object.entries(schemas())) {
      for (const [name, attribute] of Object.entries(schema.attributes)) {
        if (attribute.type !== 'component' && attribute.type !== 'dynamiczone') continue;
        const joinTable = joinTableOf(parent, name);
        const base = { parent, attribute: name, table: joinTable.name, parentColumn: joinTable.joinColumn.name };
        if (attribute.type === 'component') {
          result.push({ ...base, child: attribute.component!, childColumn: joinTable.inverseJoinColumn!.name, where: { ...joinTable.on } });
        } else {
          const morph = joinTable.morphColumn!;
          for (const child of attribute.components ?? []) {
            result.push({ ...base, child, childColumn: morph.idColumn.name, where: { ...joinTable.on, [morph.typeColumn.name]: child } });
          }
        }
      }
    }
    return result;
  }

  function readFileJoinTable(): FileJoinTable {
    const table = joinTableOf(FILE_UID, 'related');
    // Strapi names the media attribute of a morph row in a `field` column.
    return { name: table.name, file: table.joinColumn.name, type: table.morphColumn!.typeColumn.name, id: table.morphColumn!.idColumn.name, field: 'field' };
  }

  function holdsMedia(uid: string, seen: Set<string> = new Set()): boolean {
    const known = mediaHolders.get(uid);
    if (known !== undefined) return known;
    const schema = schemas()[uid];
    if (!schema || seen.has(uid)) return false;
    const inner = new Set(seen).add(uid);
    const result = Object.values(schema.attributes).some(
      (attribute) =>
        attribute.type === 'media' ||
        (attribute.type === 'component' && holdsMedia(attribute.component!, inner)) ||
        (attribute.type === 'dynamiczone' && (attribute.components ?? []).some((child) => holdsMedia(child, inner)))
    );
    mediaHolders.set(uid, result);
    return result;
  }

  return {
    componentLinks: () => (links ??= buildComponentLinks()),
    fileJoinTable: () => (fileTable ??= readFileJoinTable()),
    isContentType: (uid) => uid in strapi.contentTypes,
    holdsMedia: (uid) => holdsMedia(uid),
    async mainFieldOf(uid) {
      const known = mainFields.get(uid);
      if (known) return known;
      let field = 'documentId';
      try {
        const configuration = await strapi.plugin('content-manager')?.service('content-types').findConfiguration({ uid });
        const configured = configuration?.settings?.mainField;
        if (typeof configured === 'string' && configured in strapi.contentTypes[uid as never].attributes) field = configured;
      } catch {
        // No Content Manager (a headless worker): documentId it is.
      }
      mainFields.set(uid, field);
      return field;
    },
  };
}
