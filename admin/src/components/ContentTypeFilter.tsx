import { Field, MultiSelect, MultiSelectOption } from '@strapi/design-system';
import type { ContentTypeInfo } from '../api/client';

/** Scopes a page to media used by entries of the chosen content types; none chosen means the whole library. */
export const ContentTypeFilter = ({
  label,
  hint,
  placeholder,
  contentTypes,
  value,
  onChange,
}: {
  label: string;
  hint: string;
  placeholder: string;
  contentTypes: Map<string, ContentTypeInfo>;
  value: string[];
  onChange: (value: string[]) => void;
}) => (
  <Field.Root name="contentType" hint={hint}>
    <Field.Label>{label}</Field.Label>
    <MultiSelect placeholder={placeholder} value={value} onChange={onChange} withTags>
      {[...contentTypes.values()].map((type) => (
        <MultiSelectOption key={type.uid} value={type.uid}>
          {type.displayName}
        </MultiSelectOption>
      ))}
    </MultiSelect>
    <Field.Hint />
  </Field.Root>
);
