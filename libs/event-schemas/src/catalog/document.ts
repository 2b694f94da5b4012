/** `document.processed`: what document-agent made of a document: its text, metadata and kind. */
import { z } from 'zod';

export const documentProcessedV1 = z
  .object({
    kind: z.string().min(1).meta({ description: 'detected kind, e.g. text, json-object, invoice, pdf' }),
    text: z.string().meta({ description: 'extracted text' }),
    metadata: z
      .record(z.string(), z.unknown())
      .meta({ description: 'kind-specific facts (origin, page count, language, ...)' }),
  })
  .meta({ description: 'A document was processed (document-agent): text, metadata, detected kind.' });
