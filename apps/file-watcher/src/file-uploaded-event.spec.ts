import { decodeEvent, encodeEvent } from '@flowline/event-schemas';
import { fileEventId, fileUploadedEvent, type PublishedFileFacts } from './file-uploaded-event';

const sha256 = 'c'.repeat(64);
const facts: PublishedFileFacts = {
  folder: { name: 'invoices', eventType: 'file.uploaded' },
  path: '/data/in/2024/a b\nc.pdf',
  relativePath: '2024/a b\nc.pdf',
  size: 42,
  sha256,
  mediaType: 'application/pdf',
  modifiedAt: new Date('2026-01-02T03:04:05.678Z'),
  location: `claim:fs/sha256/${sha256}`,
};

describe('fileUploadedEvent', () => {
  it('carries the file facts, an id derived from the content, and the folder in its source', () => {
    const event = fileUploadedEvent(facts);
    expect(event).toMatchObject({
      type: 'file.uploaded',
      id: fileEventId(sha256),
      source: '/file-watcher/invoices',
      subject: '2024/a b\nc.pdf',
      data: {
        folder: 'invoices',
        path: '/data/in/2024/a b\nc.pdf',
        relativePath: '2024/a b\nc.pdf',
        name: 'a b\nc.pdf',
        size: 42,
        sha256,
        mediaType: 'application/pdf',
        modifiedAt: '2026-01-02T03:04:05.678Z',
        location: `claim:fs/sha256/${sha256}`,
      },
    });
    expect(decodeEvent(encodeEvent(event))).toEqual(event);
  });

  it('gives the same content the same id, whatever its name or folder', () => {
    const other = fileUploadedEvent({
      ...facts,
      folder: { name: 'scans', eventType: 'file.uploaded' },
      relativePath: 'x.pdf',
    });
    expect(other.id).toBe(fileUploadedEvent(facts).id);
    expect(fileUploadedEvent({ ...facts, sha256: 'd'.repeat(64) }).id).not.toBe(other.id);
  });

  it("publishes a folder's own type with dataschema naming file.uploaded", () => {
    const event = fileUploadedEvent({ ...facts, folder: { name: 'scans', eventType: 'scan.uploaded' } });
    expect(event).toMatchObject({ type: 'scan.uploaded', dataschema: 'urn:flowline:schema:file.uploaded' });
    expect(decodeEvent(encodeEvent(event))).toMatchObject({ type: 'scan.uploaded', data: { sha256 } });
  });
});
