/**
 * The naive Bayes model alone, without the rules: what the training report compares the
 * shipped classifier against, to show what each part contributes.
 */
import { isEmailCategory, type ClassifiableEmail, type Classification, type EmailClassifier } from './email-classifier';
import { emailTokens } from './email-features';
import { predict, type NaiveBayesModel } from './naive-bayes';

export class BayesOnlyClassifier implements EmailClassifier {
  constructor(private readonly model: NaiveBayesModel) {}

  classify(email: ClassifiableEmail): Promise<Classification> {
    const { category, probabilities } = predict(this.model, emailTokens(email));
    return Promise.resolve({
      category: isEmailCategory(category) ? category : 'other',
      confidence: Math.max(...probabilities),
      classifier: `naive-bayes/${this.model.version}`,
    });
  }
}
