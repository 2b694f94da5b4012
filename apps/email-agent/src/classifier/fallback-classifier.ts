/**
 * A model-backed classifier with the local one behind it: when the model cannot be asked or
 * answers nonsense, the email is still classified (by the shipped rules and naive Bayes),
 * the verdict names the classifier that decided, and the failure is logged and counted.
 * Mail keeps flowing through a model outage; the audit trail shows which verdicts it missed.
 */
import type { ClassifiableEmail, Classification, EmailClassifier } from './email-classifier';

export class FallbackClassifier implements EmailClassifier {
  constructor(
    private readonly primary: EmailClassifier,
    private readonly fallback: EmailClassifier,
    private readonly onFallback: (error: unknown) => void,
  ) {}

  async classify(email: ClassifiableEmail): Promise<Classification> {
    try {
      return await this.primary.classify(email);
    } catch (error) {
      this.onFallback(error);
      return this.fallback.classify(email);
    }
  }
}
