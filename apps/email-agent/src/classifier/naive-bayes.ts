/**
 * Multinomial naive Bayes over token counts, with Laplace (add-α) smoothing: the classic
 * text classifier (Manning, Raghavan, Schütze, "Introduction to Information Retrieval",
 * ch. 13). Small, exact, explainable, and trained in milliseconds on the labelled set in
 * training/. Tokens unseen in training are ignored.
 *
 * Naive Bayes multiplies one likelihood per token as if tokens were independent, so its
 * posteriors run to 0.9999 on any long text. The log-likelihood is therefore scaled down to
 * at most `evidenceTokens` tokens' worth before the softmax: the ranking for one email is
 * unchanged, and the confidence means something a threshold can use.
 */
export interface NaiveBayesModel {
  /** Changes with the training data or the features; recorded with every verdict. */
  version: string;
  categories: string[];
  alpha: number;
  evidenceTokens: number;
  /** Training documents per category. */
  documents: number[];
  /** Token occurrences per category. */
  tokenTotals: number[];
  /** Token → occurrences per category (same order as `categories`). */
  vocabulary: Record<string, number[]>;
}

export interface LabelledTokens {
  category: string;
  tokens: readonly string[];
}

export function trainNaiveBayes(
  examples: readonly LabelledTokens[],
  categories: readonly string[],
  options: { alpha?: number; evidenceTokens?: number; version: string },
): NaiveBayesModel {
  const index = new Map(categories.map((category, position) => [category, position]));
  const documents = categories.map(() => 0);
  const tokenTotals = categories.map(() => 0);
  const counts = new Map<string, number[]>();
  for (const example of examples) {
    const position = index.get(example.category);
    if (position === undefined) throw new Error(`unknown category "${example.category}" in training data`);
    documents[position] = (documents[position] ?? 0) + 1;
    for (const token of example.tokens) {
      let perCategory = counts.get(token);
      if (perCategory === undefined) {
        perCategory = categories.map(() => 0);
        counts.set(token, perCategory);
      }
      perCategory[position] = (perCategory[position] ?? 0) + 1;
      tokenTotals[position] = (tokenTotals[position] ?? 0) + 1;
    }
  }
  // Sorted, so the same data always gives the same file.
  const vocabulary = Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    version: options.version,
    categories: [...categories],
    alpha: options.alpha ?? 1,
    evidenceTokens: options.evidenceTokens ?? 25,
    documents,
    tokenTotals,
    vocabulary,
  };
}

/** Per category: log prior + the (scaled) log-likelihood of the tokens. Unnormalised. */
export function logScores(model: NaiveBayesModel, tokens: readonly string[]): number[] {
  const vocabularySize = Object.keys(model.vocabulary).length;
  const totalDocuments = model.documents.reduce((sum, count) => sum + count, 0);
  const known = tokens.filter((token) => Object.hasOwn(model.vocabulary, token));
  const scale = Math.min(1, model.evidenceTokens / Math.max(1, known.length));
  return model.categories.map((_category, position) => {
    const prior = Math.log(((model.documents[position] ?? 0) + 1) / (totalDocuments + model.categories.length));
    const denominator = Math.log((model.tokenTotals[position] ?? 0) + model.alpha * vocabularySize);
    let likelihood = 0;
    for (const token of known) {
      const count = (model.vocabulary[token] as number[])[position] ?? 0;
      likelihood += Math.log(count + model.alpha) - denominator;
    }
    return prior + likelihood * scale;
  });
}

/** Scores → probabilities that sum to 1. */
export function softmax(scores: readonly number[]): number[] {
  const top = Math.max(...scores);
  const exponentials = scores.map((score) => Math.exp(score - top));
  const sum = exponentials.reduce((total, value) => total + value, 0);
  return exponentials.map((value) => value / sum);
}

export function predict(
  model: NaiveBayesModel,
  tokens: readonly string[],
): { category: string; probabilities: number[] } {
  const probabilities = softmax(logScores(model, tokens));
  let best = 0;
  for (let position = 1; position < probabilities.length; position += 1) {
    if ((probabilities[position] ?? 0) > (probabilities[best] ?? 0)) best = position;
  }
  return { category: model.categories[best] as string, probabilities };
}
