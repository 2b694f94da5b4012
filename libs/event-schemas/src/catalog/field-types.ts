/**
 * Field types shared by several events. They are plain JSON on the wire, so each one says
 * its unit or format here once instead of in every event.
 *
 * Object schemas in the catalogue are zod's default objects, never `.strict()`: an unknown
 * field is accepted and dropped on decode (tolerant reader). A newer producer may add an
 * optional field without turning every older consumer's input into dead letters; anything
 * that removes or retypes a field is a new schema version with an upcast.
 */
import { z } from 'zod';

/** RFC 3339 timestamp; an offset is allowed because sources (mail servers, databases) report their own. */
export const timestamp = z.iso.datetime({ offset: true });

/** A calendar date without time zone (invoice dates are days, not instants). */
export const calendarDate = z.iso.date();

/** Lower-case hex SHA-256 digest: the identity of a file's content, used for deduplication. */
export const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256 digest (64 characters)')
  .meta({ description: 'SHA-256 of the content, lower-case hex' });

/** A media type without parameters, e.g. `application/pdf` (RFC 6838 names). */
export const mediaType = z
  .string()
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i, 'a media type such as application/pdf')
  .meta({ description: 'media type (RFC 6838), without parameters' });

/** A size in bytes. */
export const byteCount = z.number().int().nonnegative().meta({ description: 'size in bytes' });

/** ISO 4217 alphabetic currency code. */
export const currencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code such as EUR')
  .meta({ description: 'ISO 4217 currency code' });

/**
 * An exact decimal number as a string (`"1.5"`, `"-0.25"`): quantities and rates that are not
 * money but must not pick up binary floating-point error either.
 */
export const decimalString = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'a decimal number as a string, e.g. "19.5"')
  .meta({ description: 'exact decimal number as a string' });

/**
 * Money is never a float: an integer count of the currency's minor unit (cents for EUR,
 * yen for JPY, fils/1000 for BHD — the exponent is ISO 4217's) plus the currency. Negative
 * amounts are credit notes and discounts.
 */
export const money = z
  .object({
    amountMinor: z
      .number()
      .int()
      .safe()
      .meta({ description: "amount in the currency's minor unit (ISO 4217 exponent), integer" }),
    currency: currencyCode,
  })
  .meta({ description: 'an amount of money: integer minor units and currency' });
export type Money = z.output<typeof money>;

/** A mail address with its optional display name, as in an RFC 5322 address header. */
export const mailbox = z.object({
  // Deliberately loose (something@something): rejecting a message for an unusual but
  // deliverable address would dead-letter real mail.
  address: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'a mail address such as ap@example.com'),
  name: z.string().optional(),
});
