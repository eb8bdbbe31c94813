/**
 * Exact decimal arithmetic for DynamoDB numbers: up to 38 significant digits, exponent -130..+125
 * (DynamoDB developer guide, "Number"). A value is `coefficient * 10^exponent`; nothing goes
 * through a float.
 */
export interface Decimal {
  readonly negative: boolean;
  readonly coefficient: bigint;
  readonly exponent: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Significant digits DynamoDB keeps; more is rejected, never rounded. */
export const MAX_SIGNIFICANT_DIGITS = 38;

export function parseDecimal(text: string): Decimal | undefined {
  const m = NUMBER.exec(text.trim());
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp)) return undefined;
  const digits = (intPart + fracPart).replace(/^0+/, '');
  const coefficient = digits === '' ? 0n : BigInt(digits);
  return { negative: m[1] === '-' && coefficient !== 0n, coefficient, exponent: exp - fracPart.length };
}

/** Number of significant digits (trailing zeros of the coefficient do not count). */
export function significantDigits(d: Decimal): number {
  if (d.coefficient === 0n) return 0;
  return d.coefficient.toString().replace(/0+$/, '').length;
}

/** Removes trailing zeros from the coefficient (1500e-2 -> 15e0). */
export function normalize(d: Decimal): Decimal {
  if (d.coefficient === 0n) return { negative: false, coefficient: 0n, exponent: 0 };
  let { coefficient, exponent } = d;
  while (coefficient % 10n === 0n) {
    coefficient /= 10n;
    exponent++;
  }
  return { negative: d.negative, coefficient, exponent };
}

/** The integer value, or undefined when the number has a fractional part. */
export function toBigInt(d: Decimal): bigint | undefined {
  const n = normalize(d);
  if (n.exponent < 0) return undefined;
  const magnitude = n.coefficient * 10n ** BigInt(n.exponent);
  return n.negative ? -magnitude : magnitude;
}

/**
 * The value scaled to exactly `scale` fractional digits, as an integer (12.3 at scale 2 -> 1230n),
 * or undefined when that would drop non-zero digits.
 */
export function toScaledBigInt(d: Decimal, scale: number): bigint | undefined {
  const n = normalize(d);
  const shift = n.exponent + scale;
  if (shift < 0) return undefined;
  const magnitude = n.coefficient * 10n ** BigInt(shift);
  return n.negative ? -magnitude : magnitude;
}

/** Plain (non-scientific) text of a scaled integer: (1230n, 2) -> "12.30". */
export function formatScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Plain text of any decimal, with no exponent and no trailing fractional zeros ("1.5E+3" -> "1500"). */
export function formatDecimal(d: Decimal): string {
  const n = normalize(d);
  const scale = Math.max(0, -n.exponent);
  const scaled = n.coefficient * 10n ** BigInt(n.exponent + scale);
  return formatScaled(n.negative ? -scaled : scaled, scale);
}
