/** Sources for the unit specs, built the way the service builds them from its config. */
import { gatewayConfig } from '../config';
import { resolveWebhookSources, webhookSourceSpecs, type WebhookSource } from '../webhook-sources';

export function testSource(raw: Record<string, unknown>, env: Record<string, string> = {}): WebhookSource {
  const config = gatewayConfig.parse({ sources: [raw] });
  const [source] = resolveWebhookSources(webhookSourceSpecs(config), {
    env,
    readFile: () => {
      throw new Error('no files in this test');
    },
  });
  return source as WebhookSource;
}

/** A multipart/form-data body with the given parts, byte for byte. */
export function multipartForm(
  parts: readonly { name: string; value: Buffer | string; filename?: string; contentType?: string }[],
): { body: Buffer; contentType: string } {
  const boundary = '----flowline-test-boundary-7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'latin1'));
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value, 'utf8') : part.value);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
