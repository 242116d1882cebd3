import { Field, Flex, Typography } from '@strapi/design-system';

/** A similarity threshold, 0 to 1, as a slider with its value; without a value yet (the server's is on its way), disabled. */
export const ThresholdField = ({
  label,
  hint,
  value,
  min = 0,
  onChange,
}: {
  label: string;
  hint: string;
  value: number | undefined;
  /** The lowest threshold the server accepts. */
  min?: number;
  onChange: (value: number) => void;
}) => (
  <Field.Root hint={hint} name="threshold">
    <Field.Label>{label}</Field.Label>
    <Flex gap={3}>
      <input
        type="range"
        min={min}
        max={1}
        step={0.01}
        value={value ?? 0}
        disabled={value === undefined}
        aria-label={label}
        onChange={(event) => onChange(Number(event.target.value))}
        style={{ flex: 1, accentColor: 'var(--strapi-primary-600, #4945ff)' }}
      />
      <Typography variant="omega" fontWeight="bold" style={{ minWidth: '3em', textAlign: 'right' }}>
        {value === undefined ? '…' : value.toFixed(2)}
      </Typography>
    </Flex>
    <Field.Hint />
  </Field.Root>
);
