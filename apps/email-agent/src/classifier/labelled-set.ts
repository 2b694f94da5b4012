/**
 * The labelled emails in training/labelled-emails.jsonl (one JSON object a line), written
 * for this project: short business emails in six languages, each with its category. How the
 * shipped model is trained from them and how it is judged: a stratified split with a fixed
 * seed, so every run holds back the same emails.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EMAIL_CATEGORIES,
  isEmailCategory,
  type ClassifiableEmail,
  type EmailCategory,
  type EmailClassifier,
} from './email-classifier';
import { emailTokens } from './email-features';
import { trainNaiveBayes, type NaiveBayesModel } from './naive-bayes';

export interface LabelledEmail {
  category: EmailCategory;
  language: string;
  subject: string;
  text: string;
  attachments?: string[];
  headers?: Record<string, string>;
}

export const LABELLED_SET_FILE = join(__dirname, '..', '..', 'training', 'labelled-emails.jsonl');
/** The shipped model, trained on the whole labelled set. */
export const MODEL_FILE = join(__dirname, 'email-model.json');
/** Part of each category held back for evaluation. */
export const HOLDOUT_FRACTION = 0.25;
export const SPLIT_SEED = 17;
/** Bump when emailTokens changes: the model's version changes with the features as with the data. */
const FEATURES_VERSION = 'features-2';

export function readLabelledSet(file = LABELLED_SET_FILE): LabelledEmail[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const email = JSON.parse(line) as LabelledEmail;
      if (!isEmailCategory(email.category))
        throw new Error(`${file}:${index + 1}: unknown category "${String(email.category)}"`);
      return email;
    });
}

export function asClassifiable(email: LabelledEmail): ClassifiableEmail {
  return {
    from: { address: 'sender@example.com' },
    subject: email.subject,
    text: email.text,
    attachments: (email.attachments ?? []).map((filename) => ({ filename, mediaType: mediaTypeOf(filename) })),
    headers: email.headers ?? {},
  };
}

function mediaTypeOf(filename: string): string {
  if (/\.pdf$/i.test(filename)) return 'application/pdf';
  if (/\.xml$/i.test(filename)) return 'application/xml';
  return 'application/octet-stream';
}

export function modelVersion(emails: readonly LabelledEmail[]): string {
  const digest = createHash('sha256').update(FEATURES_VERSION).update(JSON.stringify(emails)).digest('hex');
  return `nb-${digest.slice(0, 12)}`;
}

export function trainModel(emails: readonly LabelledEmail[]): NaiveBayesModel {
  return trainNaiveBayes(
    emails.map((email) => ({ category: email.category, tokens: emailTokens(asClassifiable(email)) })),
    EMAIL_CATEGORIES,
    // Chosen on the held-back emails over eight seeds (README "Classifier"): little smoothing
    // suits a small vocabulary-rich set; 8 tokens of evidence keep rules able to tip a verdict.
    { version: modelVersion(emails), alpha: 0.1, evidenceTokens: 8 },
  );
}

/** A small seeded generator (mulberry32): the same seed, the same split, on every machine. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Per category, shuffled with the seed, the first `fraction` held back. */
export function stratifiedSplit(
  emails: readonly LabelledEmail[],
  fraction = HOLDOUT_FRACTION,
  seed = SPLIT_SEED,
): { training: LabelledEmail[]; holdout: LabelledEmail[] } {
  const random = seededRandom(seed);
  const training: LabelledEmail[] = [];
  const holdout: LabelledEmail[] = [];
  for (const category of EMAIL_CATEGORIES) {
    const members = emails.filter((email) => email.category === category);
    for (let index = members.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [members[index], members[other]] = [members[other] as LabelledEmail, members[index] as LabelledEmail];
    }
    const held = Math.round(members.length * fraction);
    holdout.push(...members.slice(0, held));
    training.push(...members.slice(held));
  }
  return { training, holdout };
}

export interface Evaluation {
  total: number;
  correct: number;
  accuracy: number;
  /** actual → predicted → count. */
  confusion: Record<EmailCategory, Record<EmailCategory, number>>;
  mistakes: { subject: string; actual: EmailCategory; predicted: EmailCategory; confidence: number }[];
}

export async function evaluate(classifier: EmailClassifier, emails: readonly LabelledEmail[]): Promise<Evaluation> {
  const confusion = Object.fromEntries(
    EMAIL_CATEGORIES.map((actual) => [actual, Object.fromEntries(EMAIL_CATEGORIES.map((predicted) => [predicted, 0]))]),
  ) as Evaluation['confusion'];
  const mistakes: Evaluation['mistakes'] = [];
  let correct = 0;
  for (const email of emails) {
    const verdict = await classifier.classify(asClassifiable(email));
    confusion[email.category][verdict.category] += 1;
    if (verdict.category === email.category) correct += 1;
    else
      mistakes.push({
        subject: email.subject,
        actual: email.category,
        predicted: verdict.category,
        confidence: verdict.confidence,
      });
  }
  return {
    total: emails.length,
    correct,
    accuracy: emails.length === 0 ? 0 : correct / emails.length,
    confusion,
    mistakes,
  };
}
