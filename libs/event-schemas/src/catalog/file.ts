/** `file.uploaded`: a finished, new file in a watched folder (file-watcher). */
import { z } from 'zod';
import { byteCount, mediaType, sha256Hex, timestamp } from './field-types';

export const fileUploadedV1 = z
  .object({
    folder: z.string().min(1).meta({ description: 'the watched folder the file was found in, as configured' }),
    path: z.string().min(1).meta({ description: "absolute path on the watcher's host" }),
    name: z.string().min(1).meta({ description: 'file name (last path segment)' }),
    size: byteCount,
    // The deduplication key: the watcher publishes a given content once, across restarts.
    sha256: sha256Hex,
    mediaType,
    modifiedAt: timestamp.meta({ description: 'last modification time, when the file had stopped changing' }),
  })
  .meta({ description: 'A finished, new file (file-watcher).' });
