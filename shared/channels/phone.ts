import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

/** A phone number in E.164, or undefined if it is not a valid number (read in `region` when it has no country code). */
export function normalizePhone(raw: string, region: string): string | undefined {
  const phone = parsePhoneNumberFromString(raw, region as CountryCode);
  return phone?.isValid() ? phone.number : undefined;
}
