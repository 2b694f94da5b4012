/**
 * The default classifier: the shipped naive Bayes model (training/, model/) plus the rules
 * of rule-signals.ts, in one score per category: the model's log score plus the weights of
 * the signals that fired, then a softmax. Deterministic, in process, a few microseconds.
 */
import {
  EMAIL_CATEGORIES,
  isEmailCategory,
  type ClassifiableEmail,
  type Classification,
  type EmailClassifier,
} from './email-classifier';
import { emailTokens } from './email-features';
import { logScores, softmax, type NaiveBayesModel } from './naive-bayes';
import { ruleSignals } from './rule-signals';

export class LocalEmailClassifier implements EmailClassifier {
  readonly name: string;

  constructor(private readonly model: NaiveBayesModel) {
    const unknown = model.categories.filter((category) => !isEmailCategory(category));
    if (unknown.length > 0) throw new Error(`the model knows categories the agent does not: ${unknown.join(', ')}`);
    this.name = `rules+naive-bayes/${model.version}`;
  }

  classify(email: ClassifiableEmail): Promise<Classification> {
    return Promise.resolve(this.classifyNow(email));
  }

  classifyNow(email: ClassifiableEmail): Classification {
    const scores = logScores(this.model, emailTokens(email));
    const signals = ruleSignals(email);
    for (const signal of signals) {
      const position = this.model.categories.indexOf(signal.category);
      if (position !== -1) scores[position] = (scores[position] ?? 0) + signal.weight;
    }
    const probabilities = softmax(scores);
    let best = 0;
    for (let position = 1; position < probabilities.length; position += 1) {
      if ((probabilities[position] ?? 0) > (probabilities[best] ?? 0)) best = position;
    }
    const category = this.model.categories[best] ?? EMAIL_CATEGORIES[EMAIL_CATEGORIES.length - 1];
    return {
      category: isEmailCategory(category) ? category : 'other',
      confidence: Math.round((probabilities[best] ?? 0) * 1000) / 1000,
      classifier: this.name,
      signals: [...new Set(signals.filter((signal) => signal.category === category).map((signal) => signal.reason))],
    };
  }
}
