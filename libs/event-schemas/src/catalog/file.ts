/**
 * `file.uploaded`: a finished, new file in a watched folder (file-watcher).
 *
 * `relativePath` and `location` were added to version 1 in place (issue 16), before any
 * file-watcher had published an event: no stored v1 event lacks them, so they are required
 * rather than optional, and no version 2 with an upcast was needed.
 */
import { z } from 'zod';
import { byteCount, mediaType, sha256Hex, timestamp } from './field-types';

export const fileUploadedV1 = z
  .object({
    folder: z.string().min(1).meta({ description: "the watched folder's name, as configured (e.g. invoices)" }),
    path: z.string().min(1).meta({ description: "absolute path on the watcher's host when the file was read" }),
    relativePath: z
      .string()
      .min(1)
      .meta({ description: "path inside the watched folder, '/'-separated (e.g. 2024/05/invoice.pdf)" }),
    name: z.string().min(1).meta({ description: 'file name (last path segment)' }),
    size: byteCount,
    // The deduplication key: the watcher publishes a given content once, across restarts.
    sha256: sha256Hex,
    mediaType: mediaType.meta({
      description:
        'media type detected from the content, else from the extension (application/octet-stream if neither)',
    }),
    modifiedAt: timestamp.meta({ description: 'last modification time, when the file had stopped changing' }),
    // The bytes travel by claim check, never inside the message (Kafka's 1 MB cap; files are larger).
    location: z.string().min(1).meta({
      description:
        'claim-check reference to a stored copy of the content: claim:fs/sha256/<hex> or claim:pg/sha256/<hex> (@flowline/claim-check)',
    }),
  })
  .meta({ description: 'A finished, new file (file-watcher).' });
