import { ShippingUnavailableError } from './errors';

/** Default destinations (env SHIPPING_COUNTRIES overrides them). */
export const DEFAULT_SHIPPING_COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'NL', 'SE', 'JP', 'AU'];

export function assertShippable(country: string, supported: readonly string[]): void {
  if (!supported.includes(country.toUpperCase())) throw new ShippingUnavailableError(country);
}

/** A carrier-style tracking number: prefix, then 12 characters from the random source. */
export function trackingNumber(random: () => string): string {
  return `TRK${random()
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 12)
    .toUpperCase()}`;
}
