/**
 * A DynamoDB AttributeValue as it arrives from any source: Lambda's DynamoDB Streams event and the
 * Kinesis record format carry binary as base64 strings; the AWS SDK (GetRecords, Scan) carries
 * Uint8Array. Everything else is the same JSON shape.
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: string | Uint8Array }
  | { readonly BOOL: boolean }
  | { readonly NULL: true }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly (string | Uint8Array)[] }
  | { readonly M: Readonly<Record<string, AttributeValue>> }
  | { readonly L: readonly AttributeValue[] };

export type AttributeMap = Readonly<Record<string, AttributeValue>>;

export const ATTRIBUTE_TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'M', 'L'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

/** The single type tag of an AttributeValue, or undefined when the value is not one. */
export function attributeType(value: unknown): AttributeType | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const tag = keys[0] as AttributeType;
  return (ATTRIBUTE_TYPES as readonly string[]).includes(tag) ? tag : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Binary as canonical base64, or undefined when a string is not valid base64. */
export function binaryToBase64(value: string | Uint8Array): string | undefined {
  if (typeof value !== 'string') return Buffer.from(value).toString('base64');
  return BASE64.test(value) ? value : undefined;
}
