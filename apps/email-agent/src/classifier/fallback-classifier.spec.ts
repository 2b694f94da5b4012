import { ModelUnavailable } from '../email-errors';
import type { ClassifiableEmail, Classification, EmailClassifier } from './email-classifier';
import { FallbackClassifier } from './fallback-classifier';

const email: ClassifiableEmail = {
  from: { address: 'a@x.example' },
  subject: 's',
  text: 't',
  attachments: [],
  headers: {},
};
const answering = (verdict: Classification): EmailClassifier => ({ classify: () => Promise.resolve(verdict) });
const local: Classification = { category: 'other', confidence: 0.6, classifier: 'rules+naive-bayes/nb-1' };

describe('FallbackClassifier', () => {
  it('answers with the primary verdict while the primary works', async () => {
    const primary: Classification = { category: 'invoice', confidence: 0.9, classifier: 'chat-completions/m' };
    const failures: unknown[] = [];
    const classifier = new FallbackClassifier(answering(primary), answering(local), (error) => failures.push(error));
    expect(await classifier.classify(email)).toEqual(primary);
    expect(failures).toEqual([]);
  });

  it('answers with the fallback, and reports the failure, when the primary fails', async () => {
    const failing: EmailClassifier = { classify: () => Promise.reject(new ModelUnavailable('timed out')) };
    const failures: unknown[] = [];
    const classifier = new FallbackClassifier(failing, answering(local), (error) => failures.push(error));
    expect(await classifier.classify(email)).toEqual(local);
    expect(failures).toEqual([expect.objectContaining({ code: 'MODEL_UNAVAILABLE' })]);
  });
});
