/**
 * The event for a published file. Its id is derived from the content hash alone
 * (`stableEventId('file', sha256)`): publishing the same content again — after a crash
 * between Kafka's ack and the dedupe record, or by a second watcher instance at the same
 * moment — gives the same id, which consumers drop as a duplicate.
 */
import {
  createEvent,
  stableEventId,
  withDerivedType,
  type DerivedTypeEvent,
  type FlowlineEvent,
} from '@flowline/event-schemas';

export interface PublishedFileFacts {
  folder: { name: string; eventType: string };
  /** Absolute path of the file as found (a symlink's own path, not its target). */
  path: string;
  relativePath: string;
  size: number;
  sha256: string;
  mediaType: string;
  modifiedAt: Date;
  /** Claim-check reference of the stored copy. */
  location: string;
}

export function fileEventId(sha256: string): string {
  return stableEventId('file', sha256);
}

export function fileUploadedEvent(facts: PublishedFileFacts): FlowlineEvent<'file.uploaded'> | DerivedTypeEvent {
  const event = createEvent(
    'file.uploaded',
    {
      folder: facts.folder.name,
      path: facts.path,
      relativePath: facts.relativePath,
      name: facts.relativePath.slice(facts.relativePath.lastIndexOf('/') + 1),
      size: facts.size,
      sha256: facts.sha256,
      mediaType: facts.mediaType,
      modifiedAt: facts.modifiedAt.toISOString(),
      location: facts.location,
    },
    { source: `/file-watcher/${facts.folder.name}`, id: fileEventId(facts.sha256), subject: facts.relativePath },
  );
  // A folder's own type (scan.uploaded) keeps the data; `dataschema` names file.uploaded.
  return facts.folder.eventType === 'file.uploaded' ? event : withDerivedType(event, facts.folder.eventType);
}
