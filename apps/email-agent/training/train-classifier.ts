/**
 * Trains the email agent's naive Bayes model and reports how well it does.
 *
 *   npx tsx apps/email-agent/training/train-classifier.ts
 *
 * 1. Splits training/labelled-emails.jsonl per category (stratified), 25 % held back, seed 17.
 * 2. Trains on the rest and prints the held-back accuracy of the model alone and of the
 *    shipped classifier (rules + model), with the confusion matrix and the mistakes.
 * 3. Trains on every labelled email and writes src/classifier/email-model.json, the model
 *    the agent ships (formatted as the repository's Prettier settings want it).
 * `classifier-training.spec.ts` repeats steps 1–2 and fails when the model file is stale.
 */
import { writeFile } from 'node:fs/promises';
import * as prettier from 'prettier';
import { BayesOnlyClassifier } from '../src/classifier/bayes-only-classifier';
import { EMAIL_CATEGORIES } from '../src/classifier/email-classifier';
import {
  evaluate,
  HOLDOUT_FRACTION,
  MODEL_FILE,
  readLabelledSet,
  SPLIT_SEED,
  stratifiedSplit,
  trainModel,
  type Evaluation,
} from '../src/classifier/labelled-set';
import { LocalEmailClassifier } from '../src/classifier/local-classifier';

function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}

function report(title: string, evaluation: Evaluation): string {
  const header = `| actual \\ predicted | ${EMAIL_CATEGORIES.join(' | ')} |`;
  const rows = EMAIL_CATEGORIES.map(
    (actual) =>
      `| ${actual} | ${EMAIL_CATEGORIES.map((predicted) => evaluation.confusion[actual][predicted]).join(' | ')} |`,
  );
  const mistakes = evaluation.mistakes.map(
    (mistake) =>
      `  - "${mistake.subject}": ${mistake.actual} → ${mistake.predicted} (${mistake.confidence.toFixed(2)})`,
  );
  return [
    `${title}: ${evaluation.correct}/${evaluation.total} = ${percent(evaluation.accuracy)}`,
    header,
    `|---|${EMAIL_CATEGORIES.map(() => '---').join('|')}|`,
    ...rows,
    ...(mistakes.length === 0 ? [] : ['  mistakes:', ...mistakes]),
  ].join('\n');
}

async function main(): Promise<void> {
  const emails = readLabelledSet();
  const { training, holdout } = stratifiedSplit(emails);
  const splitModel = trainModel(training);
  console.log(
    `${emails.length} labelled emails; trained on ${training.length}, held back ${holdout.length} ` +
      `(${HOLDOUT_FRACTION * 100} % per category, seed ${SPLIT_SEED})\n`,
  );
  console.log(report('naive Bayes alone', await evaluate(new BayesOnlyClassifier(splitModel), holdout)));
  console.log();
  console.log(report('rules + naive Bayes (shipped)', await evaluate(new LocalEmailClassifier(splitModel), holdout)));

  const model = trainModel(emails);
  const options = (await prettier.resolveConfig(MODEL_FILE)) ?? {};
  await writeFile(MODEL_FILE, await prettier.format(JSON.stringify(model), { ...options, parser: 'json' }));
  console.log(`\nwrote ${MODEL_FILE} (${model.version}, ${Object.keys(model.vocabulary).length} tokens)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
